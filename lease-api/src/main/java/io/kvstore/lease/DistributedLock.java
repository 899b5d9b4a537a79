package io.kvstore.lease;

import java.util.concurrent.CompletableFuture;

/**
 * A mutex with etcd's concurrency-package semantics ({@code concurrency.Mutex}): holders queue
 * under {@code name/} in create-revision order, each watching only its predecessor. Holding the
 * lock is a {@link Leadership} term, so it carries the same fencing token and guarded writes.
 *
 * <p>Thread-safety: safe for concurrent use; one lock attempt per session at a time.
 */
public final class DistributedLock {
  private final Election queue;

  public DistributedLock(CoordinationStore store, String name) {
    this.queue = new Election(store, name);
  }

  /**
   * Completes once {@code session} holds the lock; fails with {@link SessionLostException} if the
   * session ends first. Cancelling the future gives up waiting.
   */
  public CompletableFuture<Leadership> lock(Session session) {
    return queue.campaign(session, "");
  }

  /** Releases the lock; does nothing if it was already lost. */
  public CompletableFuture<Void> unlock(Leadership held) {
    return queue.resign(held);
  }
}
