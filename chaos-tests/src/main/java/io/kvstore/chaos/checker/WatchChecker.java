package io.kvstore.chaos.checker;

import io.kvstore.chaos.history.WatchLog;
import io.kvstore.chaos.history.WatchLog.Delivery;
import io.kvstore.chaos.history.WatchLog.WatchEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * etcd's six watch guarantees, checked over what every watcher received and the writes the
 * cluster acknowledged:
 *
 * <ul>
 *   <li>ordered: a watcher's events never go back in revision;
 *   <li>unique: a watcher never gets the same (revision, key) twice;
 *   <li>atomic: all events of one revision come in one response, and as many as the revision
 *       holds (the acknowledged write's keys, or what other watchers saw);
 *   <li>bookmarkable: after a progress notification at revision P no event at or below P arrives,
 *       and none at or below P that the watcher should have had is missing;
 *   <li>reliable: over the span a watcher covers (from its start revision, or first event if it
 *       started "from now", to its last event or progress notification) it misses no event that
 *       another watcher saw or an acknowledged write made, and all watchers agree on each event;
 *   <li>resumable: every watcher that was not ended by a compaction reached the final revision,
 *       resuming across broken streams and member switches.
 * </ul>
 *
 * <p>Thread-safety: stateless.
 */
public final class WatchChecker {
  private static final int MAX_PER_KIND = 5;

  private WatchChecker() {}

  /**
   * @param acknowledged events the cluster acknowledged writing (from the history), by revision
   * @param finalRevision the revision every surviving watcher must reach; 0 to skip that check
   */
  public static CheckResult check(List<WatchLog.Watcher> watchers,
      Map<Long, List<WatchEvent>> acknowledged, long finalRevision) {
    Problems p = new Problems();
    // Reference: every event any watcher saw, checked for agreement, plus acknowledged writes.
    Map<Long, Map<String, WatchEvent>> reference = new TreeMap<>();
    Map<String, WatchEvent> firstSeenBy = new HashMap<>();
    for (WatchLog.Watcher w : watchers) {
      for (Delivery d : w.deliveries) {
        for (WatchEvent e : d.events()) {
          Map<String, WatchEvent> atRev = reference.computeIfAbsent(e.revision(),
              r -> new TreeMap<>());
          WatchEvent known = atRev.putIfAbsent(e.key(), e);
          if (known != null && !known.equals(e)) {
            p.add("reliable", "watchers disagree at revision " + e.revision() + " key "
                + e.key() + ": " + known + " vs " + e + " (" + w.id + ")");
          }
        }
      }
    }
    for (Map.Entry<Long, List<WatchEvent>> ack : acknowledged.entrySet()) {
      Map<String, WatchEvent> atRev = reference.computeIfAbsent(ack.getKey(),
          r -> new TreeMap<>());
      for (WatchEvent e : ack.getValue()) {
        WatchEvent known = atRev.putIfAbsent(e.key(), e);
        if (known != null && !known.equals(e)) {
          p.add("reliable", "a watcher saw " + known + " where the acknowledged write made " + e);
        }
      }
      if (!atRev.keySet().equals(keys(ack.getValue()))) {
        p.add("atomic", "revision " + ack.getKey() + " holds events for " + atRev.keySet()
            + " but the acknowledged write there changed " + keys(ack.getValue()));
      }
    }
    for (WatchLog.Watcher w : watchers) {
      checkWatcher(w, reference, finalRevision, p);
    }
    return CheckResult.of("watch", p.list);
  }

  private static Set<String> keys(List<WatchEvent> events) {
    Set<String> keys = new HashSet<>();
    for (WatchEvent e : events) {
      keys.add(e.key());
    }
    return keys;
  }

  private static void checkWatcher(WatchLog.Watcher w, Map<Long, Map<String, WatchEvent>> ref,
      long finalRevision, Problems p) {
    long lastRev = 0;
    long lastProgress = 0;
    long first = -1;
    Set<String> seen = new HashSet<>();
    Map<Long, Integer> deliveryOfRevision = new HashMap<>();
    Map<Long, Integer> countAt = new HashMap<>();
    for (int i = 0; i < w.deliveries.size(); i++) {
      Delivery d = w.deliveries.get(i);
      if (d.events().isEmpty()) {
        if (d.progressRevision() < lastRev) {
          p.add("bookmarkable", w.id + ": progress notification at " + d.progressRevision()
              + " after an event at " + lastRev);
        }
        lastProgress = Math.max(lastProgress, d.progressRevision());
        continue;
      }
      for (WatchEvent e : d.events()) {
        if (first < 0) {
          first = e.revision();
        }
        if (e.revision() < lastRev) {
          p.add("ordered", w.id + ": event " + e + " after one at revision " + lastRev);
        }
        if (e.revision() <= lastProgress) {
          p.add("bookmarkable", w.id + ": event " + e + " after a progress notification at "
              + lastProgress);
        }
        if (!seen.add(e.revision() + "/" + e.key())) {
          p.add("unique", w.id + ": event " + e + " delivered twice");
        }
        Integer earlier = deliveryOfRevision.putIfAbsent(e.revision(), i);
        if (earlier != null && earlier != i) {
          p.add("atomic", w.id + ": the events of revision " + e.revision()
              + " came in two responses (#" + earlier + " and #" + i + ")");
        }
        countAt.merge(e.revision(), 1, Integer::sum);
        lastRev = Math.max(lastRev, e.revision());
      }
    }
    long from = w.startRevision > 0 ? w.startRevision : first;
    long to = Math.max(lastRev, lastProgress);
    if (from > 0) {
      for (Map.Entry<Long, Map<String, WatchEvent>> r : ref.entrySet()) {
        long rev = r.getKey();
        if (rev < from || rev > to) {
          continue;
        }
        int got = countAt.getOrDefault(rev, 0);
        if (got == 0) {
          p.add(rev <= lastProgress && rev > lastRev ? "bookmarkable" : "reliable",
              w.id + ": missed revision " + rev + " " + r.getValue().values()
              + " within its span [" + from + ", " + to + "]");
        } else if (got != r.getValue().size()) {
          p.add("atomic", w.id + ": got " + got + " of the " + r.getValue().size()
              + " events of revision " + rev);
        }
      }
    }
    boolean endedByCompaction = w.end.startsWith("compacted");
    if (finalRevision > 0 && !endedByCompaction && to < finalRevision) {
      p.add("resumable", w.id + " stopped at revision " + to + " (" + w.end
          + ") before the final revision " + finalRevision);
    }
  }

  private static final class Problems {
    final List<String> list = new ArrayList<>();
    final Map<String, Integer> counts = new HashMap<>();

    void add(String kind, String text) {
      int n = counts.merge(kind, 1, Integer::sum);
      if (n <= MAX_PER_KIND) {
        list.add(kind + ": " + text);
      } else if (n == MAX_PER_KIND + 1) {
        list.add(kind + ": (further " + kind + " problems not listed)");
      }
      Objects.requireNonNull(text);
    }
  }
}
