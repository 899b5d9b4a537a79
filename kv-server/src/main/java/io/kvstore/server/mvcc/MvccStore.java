package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.backend.BackendView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * etcd's MVCC key-value store over the {@link Backend}: every change is kept under its revision
 * in the backend's key space (a serialized {@code mvccpb.KeyValue}; a deletion as a tombstone
 * holding only the key), and an in-memory {@link TreeIndex} says which revision of each key is
 * visible at any revision. The index is rebuilt from the key space when the store opens and when
 * a snapshot replaces the backend.
 *
 * <p>Revisions as etcd's: a fresh store is at revision 1; each {@link WriteTxn} that changes
 * something adds one; history is readable at any revision at or after the compacted one.
 *
 * <p>Thread-safety: reads ({@link #range}, {@link #rangeEvents}, the revisions) are safe from any
 * thread, concurrently with the single writer — the apply thread — which alone calls {@link
 * #beginWrite}, {@link #replaceBackend} and commits. A read-write lock keeps readers off the
 * backend while a snapshot replaces it, and lets a compaction raise the compacted revision only
 * once no read below it is in progress; otherwise readers and the writer do not block each other:
 * a reader works at the committed revision, and the writer's changes become visible by one
 * volatile write of the revision after they are in the backend.
 */
public final class MvccStore implements BackendView {
  static final byte[] SCHEDULED_COMPACT_KEY =
      "scheduledCompactRev".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FINISHED_COMPACT_KEY =
      "finishedCompactRev".getBytes(StandardCharsets.US_ASCII);
  /** Above every encoded revision (their first byte is at most 0x7f). */
  private static final byte[] KEY_SPACE_END = {(byte) 0x80};
  /** As key and range end: every key (etcd's "\0" to "\0"). */
  private static final ByteString ALL_KEYS = ByteString.copyFrom(new byte[] {0});

  private final LeaseLookup leases;
  /** Shared by reads; exclusive while the compacted revision rises or the backend is replaced. */
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  /** Null only after a failed restore, when the store is unusable. */
  private volatile Backend backend;
  private volatile TreeIndex index;
  /** The revision of the last committed change, or 1; never decreases but by a restore. */
  private volatile long currentRev;
  /** The compacted revision, -1 if never compacted; ≤ currentRev; changed under the write lock. */
  private volatile long compactRev;
  /** The write txn not yet committed; apply thread only. */
  private WriteTxn openTxn;

  private MvccStore(LeaseLookup leases) {
    this.leases = leases;
  }

  /**
   * Opens the store over {@code backend}: rebuilds the index from its key space and finishes a
   * compaction a crash interrupted.
   */
  public static MvccStore open(Backend backend, LeaseLookup leases) {
    MvccStore store = new MvccStore(leases);
    store.load(backend);
    return store;
  }

  /** The revision of the last committed change (1 for an empty store). */
  public long currentRevision() {
    return currentRev;
  }

  /** The revision the store was last compacted at, or -1. */
  public long compactRevision() {
    return compactRev;
  }

  /**
   * Runs {@code read} on the backend, with the committed and compacted revisions, while no
   * snapshot can replace the backend and no compaction can raise the compacted revision: for
   * maintenance (hashes, sizes, defragmentation), which etcd also runs beside its MVCC store.
   */
  public <T> T readBackend(BackendRead<T> read) {
    lock.readLock().lock();
    try {
      StoreView view = committedView();
      return read.read(view.backend(), view.revision(), view.compactRevision());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A read of the whole backend at one committed revision. */
  @FunctionalInterface
  public interface BackendRead<T> {
    T read(Backend backend, long revision, long compactRevision);
  }

  /**
   * Serves a range at the committed revision, as etcd; the header carries only the revision.
   *
   * @throws FutureRevisionException if {@code revision} is after the current revision
   * @throws CompactedException if {@code revision} is before the compacted revision
   */
  public RangeResponse range(RangeRequest request) {
    lock.readLock().lock();
    try {
      return RangeQuery.execute(committedView(), request);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The changes to the keys {@code key} and {@code rangeEnd} name (etcd's conventions) at
   * revisions {@code fromRev} to {@code toRev} (both inclusive, capped at the current revision),
   * as watch events in revision order: what a watcher catching up from {@code fromRev} must see.
   * A deletion's event carries the key and the deletion's revision as {@code mod_revision}, as
   * etcd's. With {@code prevKv}, every event but a key's creation carries the key's value just
   * before it, if that is not compacted away. Only the last change of a key within one revision
   * is reported (etcd's {@code keyIndex.since}).
   *
   * @throws CompactedException if {@code fromRev} is before the compacted revision
   */
  public List<Event> rangeEvents(ByteString key, ByteString rangeEnd, long fromRev, long toRev,
      boolean prevKv) {
    lock.readLock().lock();
    try {
      StoreView view = committedView();
      if (fromRev < view.compactRevision()) {
        throw new CompactedException(view.compactRevision());
      }
      long last = Math.min(toRev, view.revision());
      List<Event> events = new ArrayList<>();
      for (Revision rev : view.index().rangeSince(KeyRange.of(key, rangeEnd), fromRev)) {
        if (rev.main() > last) {
          break;
        }
        events.add(eventAt(view, rev, prevKv));
      }
      return events;
    } finally {
      lock.readLock().unlock();
    }
  }

  private static Event eventAt(StoreView view, Revision rev, boolean prevKv) {
    Event.Builder event = Event.newBuilder();
    byte[] raw = view.backend().revision(rev.encode());
    if (raw != null) {
      event.setType(EventType.PUT).setKv(parse(raw, rev));
    } else {
      KeyValue tombstone = parse(view.backend().revision(rev.encodeTombstone()), rev);
      event.setType(EventType.DELETE).setKv(tombstone.toBuilder().setModRevision(rev.main()));
    }
    boolean creation = event.getType() == EventType.PUT && event.getKv().getVersion() == 1;
    if (prevKv && !creation) {
      KeyValue before = valueBefore(view, event.getKv().getKey(), rev.main());
      if (before != null) {
        event.setPrevKv(before);
      }
    }
    return event.build();
  }

  /**
   * The value {@code key} had just before revision {@code rev} (a watch event's {@code prev_kv}),
   * or null if it had none or that revision is compacted away.
   */
  public KeyValue valueBefore(ByteString key, long rev) {
    lock.readLock().lock();
    try {
      return valueBefore(committedView(), key, rev);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static KeyValue valueBefore(StoreView view, ByteString key, long rev) {
    if (rev - 1 < view.compactRevision()) {
      return null;
    }
    IndexEntry before = view.index().get(key, rev - 1);
    return before == null ? null : view.valueAt(before.modified());
  }

  /**
   * Visits the current value of every live key, in key order, at the committed revision: for
   * rebuilding state derived from the keys, as etcd's lessor re-attaches keys to their leases.
   */
  public void forEachLive(Consumer<KeyValue> visitor) {
    lock.readLock().lock();
    try {
      StoreView view = committedView();
      KeyRange all = KeyRange.of(ALL_KEYS, ALL_KEYS);
      for (IndexEntry e : view.index().range(all, view.revision(), 0).entries()) {
        visitor.accept(view.valueAt(e.modified()));
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Starts the changes of one applied entry. Apply thread only; the previous txn must be
   * committed first.
   */
  public WriteTxn beginWrite() {
    if (openTxn != null) {
      throw new IllegalStateException("a write txn is already open");
    }
    Backend b = usableBackend();
    openTxn = new WriteTxn(this, b, index, currentRev, compactRev, leases);
    return openTxn;
  }

  /** Called by {@code txn} once its batch is in the backend. */
  void committed(WriteTxn txn, long revision, long compactTo) {
    if (txn != openTxn) {
      throw new IllegalStateException("commit of a write txn that is not open");
    }
    openTxn = null;
    currentRev = revision;
    if (compactTo >= 0) {
      compact(backend, compactTo);
    }
  }

  /**
   * Compacts at {@code rev}: raises the compacted revision once no read below it is in progress,
   * then compacts the index and deletes what it no longer names.
   */
  private void compact(Backend b, long rev) {
    lock.writeLock().lock();
    try {
      compactRev = rev;
    } finally {
      lock.writeLock().unlock();
    }
    Compactor.run(b, index.compact(rev), rev);
  }

  @Override
  public Backend replaceBackend(Swap swap) throws IOException {
    if (openTxn != null) {
      throw new IllegalStateException("backend replaced while a write txn is open");
    }
    lock.writeLock().lock();
    try {
      backend = null;
      Backend replacement = swap.swap();
      load(replacement);
      return replacement;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Rebuilds the index and revisions from {@code b}'s key space, as etcd's {@code store.restore},
   * then resumes a compaction that was scheduled but not finished.
   */
  private void load(Backend b) {
    TreeIndex rebuilt = new TreeIndex();
    long[] last = {1};
    b.scanRevisions(Revision.first(0).encode(), KEY_SPACE_END, (key, value) -> {
      Revision rev = Revision.decode(key);
      KeyValue kv = parse(value, rev);
      rebuilt.restore(kv.getKey(), rev, Revision.isTombstone(key), kv.getCreateRevision(),
          kv.getVersion());
      last[0] = rev.main();
      return true;
    });
    long finished = metaRevision(b, FINISHED_COMPACT_KEY);
    long scheduled = metaRevision(b, SCHEDULED_COMPACT_KEY);
    index = rebuilt;
    compactRev = finished;
    // A compaction may have removed the latest revisions (deletions) it covered.
    currentRev = Math.max(last[0], Math.max(finished, scheduled));
    backend = b;
    if (scheduled > finished) {
      compact(b, scheduled);
    }
  }

  private static long metaRevision(Backend b, byte[] key) {
    byte[] v = b.meta(key);
    return v == null ? -1 : Revision.decode(v).main();
  }

  private StoreView committedView() {
    return new StoreView(currentRev, compactRev, index, usableBackend());
  }

  private Backend usableBackend() {
    Backend b = backend;
    if (b == null) {
      throw new IllegalStateException("the MVCC store has no backend: a snapshot restore failed");
    }
    return b;
  }

  static KeyValue parse(byte[] raw, Revision rev) {
    if (raw == null) {
      throw new IllegalStateException("revision " + rev + " is missing from the key space");
    }
    try {
      return KeyValue.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("revision " + rev + " holds a damaged KeyValue", e);
    }
  }

  /** The committed store at one revision; values from the backend. */
  private record StoreView(long revision, long compactRevision, TreeIndex index, Backend backend)
      implements ReadView {
    @Override
    public KeyValue valueAt(Revision rev) {
      return parse(backend.revision(rev.encode()), rev);
    }
  }
}
