package io.kvstore.lease;

import java.util.concurrent.CompletableFuture;

/**
 * The queue under an election or lock prefix, as etcd's concurrency package keeps it: the prefix
 * is {@code name + "/"} even if the name ends in a slash (so a name means the same queue here as
 * for etcd's clients and servers), each session owns the key {@code prefix + hex(leaseId)}, keys
 * are served in create-revision order, and a waiter watches only its immediate predecessor, so a
 * release wakes one waiter, not all.
 *
 * <p>Thread-safety: stateless apart from its final fields; safe for concurrent use.
 */
final class WaitQueue {
  private final CoordinationStore store;
  private final String prefix;

  WaitQueue(CoordinationStore store, String name) {
    this.store = store;
    this.prefix = name + "/";
  }

  String prefix() {
    return prefix;
  }

  /** The key {@code session} holds in this queue. */
  String keyOf(Session session) {
    return prefix + Long.toHexString(session.leaseId());
  }

  /** Joins the queue (or finds this session's place in it); completes with the session's key. */
  CompletableFuture<KeyValue> join(Session session, byte[] value) {
    session.checkValid();
    return store.createIfAbsent(keyOf(session), value, session.leaseId());
  }

  /**
   * Completes when every key created before {@code mine} is gone, so {@code mine} is first; fails
   * with {@link SessionLostException} if the session ends first. Cancelling the returned future
   * stops waiting.
   */
  CompletableFuture<Void> awaitTurn(Session session, KeyValue mine) {
    CompletableFuture<Void> turn = new CompletableFuture<>();
    session.onLost(loss -> turn.completeExceptionally(new SessionLostException(loss)));
    step(session, mine, turn);
    return turn;
  }

  private void step(Session session, KeyValue mine, CompletableFuture<Void> turn) {
    if (turn.isDone()) {
      return;
    }
    store.lastCreatedBefore(prefix, mine.createRevision()).whenComplete((pred, error) -> {
      if (error != null) {
        turn.completeExceptionally(error);
      } else if (pred.found().isEmpty()) {
        turn.complete(null);
      } else {
        CompletableFuture<Void> deleted = store.awaitDelete(pred.found().get().key(),
            pred.revision());
        turn.whenComplete((v, e) -> deleted.cancel(false));
        deleted.whenComplete((v, e) -> {
          if (e != null) {
            turn.completeExceptionally(e);
          } else {
            step(session, mine, turn);
          }
        });
      }
    });
  }
}
