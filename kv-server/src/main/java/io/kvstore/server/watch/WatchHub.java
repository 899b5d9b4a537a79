package io.kvstore.server.watch;

import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.mvcc.Commit;
import io.kvstore.server.mvcc.CompactedException;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.watch.Watcher.State;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The member's watchers, as etcd's {@code watchableStore}. A <em>synced</em> watcher is handed
 * each commit's events as the apply thread {@linkplain #publish publishes} them; an
 * <em>unsynced</em> one — started at a past revision, or whose sink was full — is fed from the
 * store's history by the {@link CatchUp} thread in bounded batches, and joins the synced group
 * once it has seen every published revision. A watcher's {@code nextRev} moves only forward and
 * only as its batches are accepted, so it sees every change from its start exactly once, in
 * order, each revision's events in one batch, however publishing and catching up interleave. A
 * watcher whose next revision is compacted away is cancelled with the compacted revision.
 *
 * <p>Nothing here blocks on a consumer: sinks accept or refuse at once, and a refused watcher
 * falls back to history instead of holding up the apply thread or other watchers.
 *
 * <p>Thread-safety: safe for concurrent use; one lock guards the groups, every watcher's state
 * and {@link #notifiedRev}. Sinks are called with it held. Store reads happen without it, except
 * the {@code prev_kv} lookups of a published revision.
 */
public final class WatchHub implements AutoCloseable {
  /** Revisions read from history per catch-up step (etcd's {@code watchBatchMaxRevs}). */
  static final int BATCH_REVISIONS = 1000;
  /** Catch-up batches are cut, at revision boundaries, at about this many bytes of events. */
  static final int BATCH_BYTES = 1 << 20;

  private final MvccStore store;
  private final int batchRevisions;
  private final int batchBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private final WatcherGroup synced = new WatcherGroup();
  /** Watchers in state UNSYNCED, in the order they fell behind. */
  private final Set<Watcher> unsynced = new LinkedHashSet<>();
  /**
   * The last revision published; every synced watcher has been offered every change up to it.
   * ≤ the store's current revision.
   */
  private long notifiedRev;
  private final CatchUp catchUp;

  /** A hub over {@code store}, whose current revision is taken as already published. */
  public WatchHub(MvccStore store) {
    this(store, BATCH_REVISIONS, BATCH_BYTES);
  }

  WatchHub(MvccStore store, int batchRevisions, int batchBytes) {
    this.store = store;
    this.batchRevisions = batchRevisions;
    this.batchBytes = batchBytes;
    this.notifiedRev = store.currentRevision();
    this.catchUp = new CatchUp(this);
    catchUp.start();
  }

  /**
   * Registers a watcher. With start revision 0 it sees the changes after the store's current
   * revision; with a later one, the changes from there; with an earlier one, history first.
   * {@code created} is told, with the lock held and so before any batch reaches {@code sink},
   * the revision the watcher was created at (etcd's created response header).
   */
  public Watcher watch(long id, WatchSpec spec, WatchSink sink, LongConsumer created) {
    lock.lock();
    try {
      long current = Math.max(notifiedRev, store.currentRevision());
      long start = spec.startRevision();
      Watcher w;
      if (start == 0 || start > current) {
        w = new Watcher(id, spec, sink, Math.max(start, current + 1), State.SYNCED);
        synced.add(w);
      } else {
        w = new Watcher(id, spec, sink, start, State.UNSYNCED);
        unsynced.add(w);
      }
      created.accept(current);
      if (w.state == State.UNSYNCED) {
        catchUp.wake();
      }
      return w;
    } finally {
      lock.unlock();
    }
  }

  /** Removes the watcher; false if it was already gone (cancelled, or compacted away). */
  public boolean cancel(Watcher w) {
    lock.lock();
    try {
      return detach(w);
    } finally {
      lock.unlock();
    }
  }

  private boolean detach(Watcher w) {
    switch (w.state) {
      case SYNCED -> synced.remove(w);
      case UNSYNCED -> unsynced.remove(w);
      case CANCELLED -> {
        return false;
      }
    }
    w.state = State.CANCELLED;
    return true;
  }

  /**
   * Hands a commit's events to the synced watchers that want them; a watcher whose sink refuses
   * falls behind and will catch up from this revision. Called by the apply thread after each
   * commit that changed something, in commit order. A revision gap (a snapshot replaced the
   * store) sends every synced watcher back to history.
   */
  public void publish(Commit commit) {
    long rev = commit.revision();
    lock.lock();
    try {
      if (rev <= notifiedRev) {
        return;
      }
      if (rev > notifiedRev + 1) {
        for (Watcher w : synced.all()) {
          synced.remove(w);
          w.nextRev = Math.max(w.nextRev, notifiedRev + 1);
          w.state = State.UNSYNCED;
          unsynced.add(w);
        }
        notifiedRev = rev;
        catchUp.wake();
        return;
      }
      notifiedRev = rev;
      Map<Event, Event> filled = new IdentityHashMap<>();
      for (Map.Entry<Watcher, List<Event>> e : synced.matching(commit.events()).entrySet()) {
        Watcher w = e.getKey();
        if (w.nextRev > rev) {
          continue;
        }
        List<Event> events = w.spec().select(e.getValue());
        if (w.spec().prevKv()) {
          events = withPrevKv(events, rev, filled);
        }
        if (events.isEmpty() || w.sink().offer(WatchBatch.events(w.id(), rev, events))) {
          w.nextRev = rev + 1;
        } else {
          synced.remove(w);
          w.nextRev = rev;
          w.state = State.UNSYNCED;
          unsynced.add(w);
          catchUp.wake();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@code events} of revision {@code rev} with {@code prev_kv} filled in, which a commit's events
   * do not carry (a key's creation has none); {@code filled} remembers each event's answer for
   * the other watchers of this revision. Called from {@link #publish}, with the lock held, on the
   * apply thread, so no compaction runs meanwhile.
   */
  private List<Event> withPrevKv(List<Event> events, long rev, Map<Event, Event> filled) {
    List<Event> out = new ArrayList<>(events.size());
    for (Event e : events) {
      out.add(filled.computeIfAbsent(e, x -> {
        boolean creation = x.getType() == Event.EventType.PUT && x.getKv().getVersion() == 1;
        KeyValue before = creation ? null : store.valueBefore(x.getKv().getKey(), rev);
        return before == null ? x : x.toBuilder().setPrevKv(before).build();
      }));
    }
    return out;
  }

  /**
   * Sends the watcher a progress notification at the published revision if it is synced (etcd's
   * {@code progress}: one that is catching up is busy receiving events); true if sent.
   */
  public boolean progress(Watcher w) {
    lock.lock();
    try {
      if (w.state != State.SYNCED) {
        return false;
      }
      w.sink().force(WatchBatch.progress(w.id(), notifiedRev));
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * If none of {@code watchers} is catching up, sends {@code sink} one progress notification for
   * all of them (watch id -1) at the published revision and returns true; else false, and the
   * caller asks again later (etcd's {@code progressAll}, which keeps the notification from
   * overtaking events). A stream without watchers is answered at once, as etcd 3.4.23 does
   * (3.4.26+ and 3.5.8+ send nothing then).
   */
  public boolean progressAll(Collection<Watcher> watchers, WatchSink sink) {
    lock.lock();
    try {
      for (Watcher w : watchers) {
        if (w.state == State.UNSYNCED) {
          return false;
        }
      }
      sink.force(WatchBatch.progress(-1, notifiedRev));
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The last revision published. */
  public long revision() {
    lock.lock();
    try {
      return notifiedRev;
    } finally {
      lock.unlock();
    }
  }

  /** Asks the catch-up thread to look again, say because a full sink has room now. */
  public void wakeCatchUp() {
    catchUp.wake();
  }

  /** Stops the catch-up thread; registered watchers receive nothing more from history. */
  @Override
  public void close() {
    catchUp.close();
  }

  /**
   * One catch-up step for every unsynced watcher; returns whether any of them moved forward.
   * Called by the {@link CatchUp} thread only.
   */
  boolean catchUpRound() {
    List<Watcher> behind;
    lock.lock();
    try {
      behind = new ArrayList<>(unsynced);
    } finally {
      lock.unlock();
    }
    boolean moved = false;
    for (Watcher w : behind) {
      moved |= catchUp(w);
    }
    return moved;
  }

  /** How many watchers are registered and not cancelled (etcd's watcher gauge). */
  int watcherCount() {
    lock.lock();
    try {
      return synced.all().size() + unsynced.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether any watcher is behind. */
  boolean anyBehind() {
    lock.lock();
    try {
      return !unsynced.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reads the watcher's next revisions from history (without the lock), then offers them in
   * batches cut at revision boundaries, advancing {@code nextRev} by what the sink accepted,
   * provided the watcher did not change meanwhile; joins it to the synced group once it is past
   * the published revision.
   */
  private boolean catchUp(Watcher w) {
    long from;
    lock.lock();
    try {
      if (w.state != State.UNSYNCED) {
        return false;
      }
      from = w.nextRev;
    } finally {
      lock.unlock();
    }
    long current = store.currentRevision();
    long to = from > current ? from - 1 : Math.min(current, from + batchRevisions - 1);
    List<Event> events = List.of();
    long compacted = 0;
    if (to >= from) {
      WatchSpec spec = w.spec();
      try {
        events = store.rangeEvents(spec.range().key(), spec.range().end(), from, to,
            spec.prevKv());
      } catch (CompactedException e) {
        compacted = e.compactRevision();
      }
    }
    lock.lock();
    try {
      if (w.state != State.UNSYNCED || w.nextRev != from) {
        return false;
      }
      if (compacted != 0) {
        detach(w);
        w.sink().force(WatchBatch.compacted(w.id(), compacted));
        return true;
      }
      for (Cut cut : cut(events, to)) {
        List<Event> selected = w.spec().select(cut.events());
        if (!selected.isEmpty()
            && !w.sink().offer(WatchBatch.events(w.id(), cut.through(), selected))) {
          break;
        }
        w.nextRev = cut.through() + 1;
      }
      if (w.nextRev > notifiedRev) {
        unsynced.remove(w);
        w.state = State.SYNCED;
        synced.add(w);
        w.sink().synced();
      }
      return w.nextRev != from;
    } finally {
      lock.unlock();
    }
  }

  /** Events of whole revisions, and the revision up to which they cover history. */
  private record Cut(List<Event> events, long through) {}

  /**
   * Splits events read up to {@code to} into consecutive cuts of about {@link #batchBytes}, never
   * splitting a revision; the last cut covers up to {@code to}.
   */
  private List<Cut> cut(List<Event> events, long to) {
    List<Cut> cuts = new ArrayList<>();
    List<Event> current = new ArrayList<>();
    long bytes = 0;
    for (Event e : events) {
      long rev = e.getKv().getModRevision();
      if (bytes >= batchBytes && rev != current.get(current.size() - 1).getKv().getModRevision()) {
        cuts.add(new Cut(current, rev - 1));
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(e);
      bytes += e.getSerializedSize();
    }
    cuts.add(new Cut(current, to));
    return cuts;
  }
}
