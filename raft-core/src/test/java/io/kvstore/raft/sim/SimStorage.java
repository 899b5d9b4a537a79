package io.kvstore.raft.sim;

import io.kvstore.raft.core.InitialState;
import io.kvstore.raft.core.MemoryStorage;
import io.kvstore.raft.core.Storage;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Snapshot;
import java.util.List;

/**
 * A simulated synced disk: what survives a crash. Like {@code RocksDbLogStore} it keeps the
 * configuration of the latest applied conf change beside the log, so a restart that skips
 * already-applied entries still knows the membership.
 *
 * <p>Thread-safety: not thread-safe; the simulation is single-threaded.
 */
final class SimStorage implements Storage {
  final MemoryStorage log = new MemoryStorage();
  private ConfState confState = ConfState.getDefaultInstance();

  @Override
  public InitialState initialState() {
    return new InitialState(log.hardState(), confState);
  }

  void setConfState(ConfState cs) {
    confState = cs;
  }

  void applySnapshot(Snapshot snap) {
    log.applySnapshot(snap);
    confState = snap.getMetadata().getConfState();
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
