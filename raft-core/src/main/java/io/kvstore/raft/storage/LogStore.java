package io.kvstore.raft.storage;

import io.kvstore.raft.core.Storage;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.util.List;

/**
 * The durable Raft log: the {@link Storage} the core reads, plus the writes the driver makes for
 * each {@code Ready}. Every mutating method is one atomic write, synced unless it is a {@link
 * #save(HardState, List, boolean)} told otherwise: when a synced write returns, it and every
 * write before it survive a crash; if the process dies during a write, none of it is visible
 * after restart.
 *
 * <p>Thread-safety: implementations must allow reads from the event loop concurrent with nothing
 * else; all writes come from the single driver thread.
 */
public interface LogStore extends Storage, AutoCloseable {

  /**
   * Appends {@code entries} (which must be contiguous and start at or before {@code lastIndex() +
   * 1}), first discarding any existing entries at or after the first new index, and stores {@code
   * hardState} if it is not null — all in one synced write (group commit).
   */
  default void save(HardState hardState, List<Entry> entries) {
    save(hardState, entries, true);
  }

  /**
   * As {@link #save(HardState, List)}, but synced only if {@code sync}: a {@code Ready} that only
   * advances the commit index need not be (etcd's {@code MustSync}), since a lost commit index is
   * learnt again from the leader and is never below what a state machine applied (see {@link
   * RocksDbLogStore#open(java.nio.file.Path, long)}). Unsynced writes still reach the disk in
   * order, and the next synced write makes them durable too.
   */
  void save(HardState hardState, List<Entry> entries, boolean sync);

  /** Stores the configuration in force after the latest applied conf change. */
  void setConfState(ConfState confState);

  /**
   * Installs a snapshot received from the leader: discards the whole log, records the snapshot's
   * metadata as the latest snapshot and its configuration as the current one.
   */
  void applySnapshot(SnapshotMetadata metadata);

  /** Records a locally taken snapshot as the latest one; entries are kept until {@link #compact}. */
  void createSnapshot(SnapshotMetadata metadata);

  /** Discards entries up to and including {@code index}, which must not exceed the last entry. */
  void compact(long index);

  @Override
  void close();
}
