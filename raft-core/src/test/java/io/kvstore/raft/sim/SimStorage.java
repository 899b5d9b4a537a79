package io.kvstore.raft.sim;

import io.kvstore.raft.core.InitialState;
import io.kvstore.raft.core.MemoryStorage;
import io.kvstore.raft.core.Storage;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Snapshot;
import java.util.List;

/**
 * A simulated disk: what survives a crash. Like {@code RocksDbLogStore} it keeps the
 * configuration of the latest applied conf change beside the log, so a restart that skips
 * already-applied entries still knows the membership. A hard state written without a sync (a
 * Ready that only advanced the commit index) is lost by a crash until a synced write follows;
 * a restart then raises the commit index to what the state machine applied, as {@code
 * RocksDbLogStore.open(dir, appliedIndex)} does.
 *
 * <p>Thread-safety: not thread-safe; the simulation is single-threaded.
 */
final class SimStorage implements Storage {
  final MemoryStorage log = new MemoryStorage();
  private ConfState confState = ConfState.getDefaultInstance();
  private HardState synced = HardState.getDefaultInstance();

  @Override
  public InitialState initialState() {
    return new InitialState(log.hardState(), confState);
  }

  /** Stores {@code hs}; it survives a crash only if {@code sync} or a later write is synced. */
  void setHardState(HardState hs, boolean sync) {
    log.setHardState(hs);
    if (sync) {
      synced = hs;
    }
  }

  /** Marks everything written so far as synced (a synced write of entries). */
  void sync() {
    synced = log.hardState();
  }

  /** Loses the unsynced hard state, then raises the commit index to {@code applied}. */
  void crashAndRecover(long applied) {
    HardState hs = synced;
    if (hs.getCommit() < applied && applied <= log.lastIndex()) {
      hs = hs.toBuilder().setCommit(applied).build();
    }
    log.setHardState(hs);
    synced = hs;
  }

  void setConfState(ConfState cs) {
    confState = cs;
  }

  void applySnapshot(Snapshot snap) {
    log.applySnapshot(snap);
    confState = snap.getMetadata().getConfState();
    synced = log.hardState();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    return log.entries(lo, hi, maxBytes);
  }

  @Override
  public long term(long index) {
    return log.term(index);
  }

  @Override
  public long firstIndex() {
    return log.firstIndex();
  }

  @Override
  public long lastIndex() {
    return log.lastIndex();
  }

  @Override
  public Snapshot snapshot() {
    return log.snapshot();
  }
}
