package io.kvstore.server.watch;

/**
 * Where the hub delivers a watcher's batches: in practice the outbound queue of the gRPC stream
 * the watcher belongs to, shared by the stream's watchers.
 *
 * <p>Thread-safety: called by the hub with its lock held, from the apply thread, the catch-up
 * thread and callers of the hub; implementations must be thread-safe, must not block and must
 * not call back into the hub.
 */
public interface WatchSink {
  /**
   * Queues events for sending, in call order, or refuses them because the sink is full; the hub
   * then redelivers the same changes from history later.
   */
  boolean offer(WatchBatch events);

  /**
   * Queues a batch that is never refused: a progress notification or a compaction notice (a
   * watcher's last batch). Its order relative to {@link #offer}ed batches is kept.
   */
  void force(WatchBatch notice);

  /** Told when one of the sink's watchers has caught up and receives changes as they commit. */
  void synced();
}
