package io.kvstore.raft.core;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Snapshot;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Storage} held in memory, for tests, simulations and benchmarks.
 *
 * <p>Thread-safety: not thread-safe; use it from one thread.
 *
 * <p>Invariant: {@code ents.get(0)} is a dummy entry carrying the index and term of the latest
 * snapshot (index 0, term 0 for an empty log); {@code ents.get(i).getIndex() == offset() + i}.
 */
public final class MemoryStorage implements Storage {
  private HardState hardState = HardState.getDefaultInstance();
  private Snapshot snapshot = Snapshot.getDefaultInstance();
  private final ArrayList<Entry> ents = new ArrayList<>();

  public MemoryStorage() {
    ents.add(Entry.getDefaultInstance());
  }

  /** A storage whose configuration is the given voters, as a freshly bootstrapped cluster. */
  public static MemoryStorage withVoters(long... voters) {
    MemoryStorage s = new MemoryStorage();
    ConfState.Builder cs = ConfState.newBuilder();
    for (long v : voters) {
      cs.addVoters(v);
    }
    s.snapshot =
        Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setConfState(cs)).build();
    return s;
  }

  @Override
  public InitialState initialState() {
    return new InitialState(hardState, snapshot.getMetadata().getConfState());
  }

  public void setHardState(HardState hs) {
    this.hardState = hs;
  }

  public HardState hardState() {
    return hardState;
  }

  private long offset() {
    return ents.get(0).getIndex();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    long offset = offset();
    if (lo <= offset) {
      throw new StorageException(StorageException.Kind.COMPACTED, "index " + lo + " compacted");
    }
    if (hi > lastIndex() + 1) {
      throw new StorageException(
          StorageException.Kind.UNAVAILABLE, "entries up to " + hi + " past last " + lastIndex());
    }
    return List.copyOf(
        Entries.limitSize(ents.subList((int) (lo - offset), (int) (hi - offset)), maxBytes));
  }

  @Override
  public long term(long index) {
    long offset = offset();
    if (index < offset) {
      throw new StorageException(StorageException.Kind.COMPACTED, "index " + index + " compacted");
    }
    if (index - offset >= ents.size()) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, "index " + index + " unavailable");
    }
    return ents.get((int) (index - offset)).getTerm();
  }

  @Override
  public long firstIndex() {
    return offset() + 1;
  }

  @Override
  public long lastIndex() {
    return offset() + ents.size() - 1;
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Replaces the whole log with the snapshot's state; older snapshots are ignored. */
  public void applySnapshot(Snapshot snap) {
    SnapshotMetadata meta = snap.getMetadata();
    if (meta.getIndex() <= snapshot.getMetadata().getIndex() && snapshot.getMetadata().getIndex() > 0) {
      return;
    }
    snapshot = snap;
    ents.clear();
    ents.add(Entry.newBuilder().setIndex(meta.getIndex()).setTerm(meta.getTerm()).build());
  }

  /**
   * Records a snapshot at {@code index} (which must be applied) with the given configuration and
   * data, without discarding entries; call {@link #compact} to do that.
   */
  public Snapshot createSnapshot(long index, ConfState cs, com.google.protobuf.ByteString data) {
    if (index <= snapshot.getMetadata().getIndex()) {
      return snapshot;
    }
    if (index > lastIndex()) {
      throw new IllegalArgumentException("snapshot " + index + " is out of bound " + lastIndex());
    }
    SnapshotMetadata.Builder meta =
        SnapshotMetadata.newBuilder().setIndex(index).setTerm(term(index));
    if (cs != null) {
      meta.setConfState(cs);
    }
    snapshot = Snapshot.newBuilder().setMetadata(meta).setData(data).build();
    return snapshot;
  }

  /** Discards entries up to and including {@code compactIndex}. */
  public void compact(long compactIndex) {
    long offset = offset();
    if (compactIndex <= offset) {
      return;
    }
    if (compactIndex > lastIndex()) {
      throw new IllegalArgumentException("compact " + compactIndex + " is out of bound " + lastIndex());
    }
    int i = (int) (compactIndex - offset);
    Entry dummy = Entry.newBuilder().setIndex(ents.get(i).getIndex()).setTerm(ents.get(i).getTerm()).build();
    ents.subList(0, i + 1).clear();
    ents.add(0, dummy);
  }

  /**
   * Appends entries, truncating any existing suffix that they overwrite. Entries already
   * compacted are skipped.
   */
  public void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = firstIndex();
    long last = entries.get(entries.size() - 1).getIndex();
    if (last < first) {
      return;
    }
    if (first > entries.get(0).getIndex()) {
      entries = entries.subList((int) (first - entries.get(0).getIndex()), entries.size());
    }
    long offset = entries.get(0).getIndex() - offset();
    if (offset > ents.size()) {
      throw new IllegalStateException(
          "missing log entry [last: " + lastIndex() + ", append at: " + entries.get(0).getIndex() + "]");
    }
    ents.subList((int) offset, ents.size()).clear();
    ents.addAll(entries);
  }
}
