package io.kvstore.server.watch;

import com.google.protobuf.ByteString;
import io.kvstore.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The synced watchers, indexed for finding who watches a key: single-key watchers by key, range
 * watchers in a set that is scanned (etcd keeps them in an interval tree; a scan is enough until
 * the bench says otherwise).
 *
 * <p>Thread-safety: guarded by the hub's lock.
 */
final class WatcherGroup {
  /** Single-key watchers by their key; no empty sets. */
  private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
  private final Set<Watcher> ranges = new LinkedHashSet<>();

  void add(Watcher w) {
    if (w.spec().range().isSingleKey()) {
      byKey.computeIfAbsent(w.spec().range().key(), k -> new LinkedHashSet<>()).add(w);
    } else {
      ranges.add(w);
    }
  }

  void remove(Watcher w) {
    if (w.spec().range().isSingleKey()) {
      Set<Watcher> set = byKey.get(w.spec().range().key());
      if (set != null && set.remove(w) && set.isEmpty()) {
        byKey.remove(w.spec().range().key());
      }
    } else {
      ranges.remove(w);
    }
  }

  boolean contains(Watcher w) {
    if (w.spec().range().isSingleKey()) {
      Set<Watcher> set = byKey.get(w.spec().range().key());
      return set != null && set.contains(w);
    }
    return ranges.contains(w);
  }

  /** Every watcher in the group. */
  List<Watcher> all() {
    List<Watcher> out = new ArrayList<>(ranges);
    byKey.values().forEach(out::addAll);
    return out;
  }

  /** The watchers of any of {@code events}' keys; each with all of them, in their order. */
  Map<Watcher, List<Event>> matching(List<Event> events) {
    Map<Watcher, List<Event>> out = new LinkedHashMap<>();
    for (Event e : events) {
      ByteString key = e.getKv().getKey();
      for (Watcher w : byKey.getOrDefault(key, Set.of())) {
        out.computeIfAbsent(w, x -> new ArrayList<>()).add(e);
      }
      for (Watcher w : ranges) {
        if (w.spec().range().contains(key)) {
          out.computeIfAbsent(w, x -> new ArrayList<>()).add(e);
        }
      }
    }
    return out;
  }
}
