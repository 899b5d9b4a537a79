package io.kvstore.raft.core;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Snapshot;
import java.util.List;

/**
 * The Raft core's read-only view of the stable log, as etcd-io/raft's {@code Storage}.
 *
 * <p>Thread-safety: the core calls it only from the thread that drives {@link RawNode}; an
 * implementation that is also written by another thread must make its own reads safe.
 *
 * <p>Invariants: {@code firstIndex() - 1} is the compaction point (at or before the latest
 * snapshot's index, or 0) and its term is always available through {@link #term}; entries in
 * {@code [firstIndex(), lastIndex()]} are contiguous; {@code lastIndex() >= firstIndex() - 1}.
 */
public interface Storage {

  /** The persisted hard state and configuration, read once when a node starts. */
  InitialState initialState();

  /**
   * Entries in {@code [lo, hi)}, at least one if any exists, and no more than {@code maxBytes}
   * of entry payload beyond the first.
   *
   * @throws StorageException with {@link StorageException.Kind#COMPACTED} if {@code lo} is
   *     compacted away, {@link StorageException.Kind#UNAVAILABLE} if {@code hi - 1} is past the end
   */
  List<Entry> entries(long lo, long hi, long maxBytes);

  /** The term of entry {@code index}; defined for {@code [firstIndex() - 1, lastIndex()]}. */
  long term(long index);

  /** The index of the first entry that may be read with {@link #entries}. */
  long firstIndex();

  /** The index of the last entry in the log. */
  long lastIndex();

  /**
   * The most recent snapshot. Its data may be empty: payloads are streamed by the transport from
   * the snapshot store, the core needs only the metadata.
   *
   * @throws StorageException with {@link StorageException.Kind#SNAPSHOT_TEMPORARILY_UNAVAILABLE}
   *     if a snapshot is being made and the caller should retry later
   */
  Snapshot snapshot();
}
