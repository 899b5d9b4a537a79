package io.kvstore.lease;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * An election with etcd's concurrency-package semantics: candidates queue under the prefix
 * {@code name/}, the oldest key (lowest create revision) leads, and its value is the leader's
 * proclamation.
 *
 * <p>Thread-safety: safe for concurrent use; one campaign per session at a time.
 */
public final class Election {
  private final CoordinationStore store;
  private final WaitQueue queue;
  private final String name;

  public Election(CoordinationStore store, String name) {
    this.store = store;
    this.name = name;
    this.queue = new WaitQueue(store, name);
  }

  /**
   * Joins the election with {@code value} and completes once this session leads; fails with
   * {@link SessionLostException} if the session ends first. A session that already has a key in
   * the election keeps its place and has its value replaced. Cancelling the future withdraws.
   */
  public CompletableFuture<Leadership> campaign(Session session, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    CompletableFuture<Leadership> elected = new CompletableFuture<>();
    queue.join(session, bytes).thenCompose(mine -> {
      Leadership term = new Leadership(name, mine.key(), mine.createRevision(), session, store);
      CompletableFuture<Void> proclaimed = mine.valueAsString().equals(value)
          ? CompletableFuture.completedFuture(null) : proclaim(term, value);
      return proclaimed.thenCompose(v -> {
        CompletableFuture<Void> turn = queue.awaitTurn(session, mine);
        elected.whenComplete((l, e) -> turn.cancel(false));
        return turn.handle((done, e) -> {
          if (e != null) {
            resign(term);
            throw e instanceof CompletionException c ? c : new CompletionException(e);
          }
          return term;
        });
      });
    }).whenComplete((term, error) -> {
      if (error != null) {
        elected.completeExceptionally(error);
      } else if (!elected.complete(term)) {
        resign(term);
      }
    });
    return elected;
  }

  /** Replaces the leader's value; fails with {@link NotLeaderException} if the term has ended. */
  public CompletableFuture<Void> proclaim(Leadership term, String value) {
    return term.guardedTxn(List.of(new WriteOp.Put(term.key(),
        value.getBytes(StandardCharsets.UTF_8), term.session().leaseId())))
        .thenAccept(outcome -> {
          if (!outcome.succeeded()) {
            throw new NotLeaderException();
          }
        });
  }

  /** Gives up the term (deletes its key); does nothing if it has already ended. */
  public CompletableFuture<Void> resign(Leadership term) {
    return term.guardedTxn(List.of(WriteOp.delete(term.key()))).thenAccept(outcome -> { });
  }

  /** The current leader's key and value, if any. */
  public CompletableFuture<Optional<KeyValue>> leader() {
    return store.firstCreated(queue.prefix()).thenApply(CoordinationStore.Lookup::found);
  }

  /**
   * Calls {@code onLeader} with the current leader and again whenever the leader or its value
   * changes, until the handle is closed; {@code onError} is called once if observing fails.
   */
  public AutoCloseable observe(Consumer<KeyValue> onLeader, Consumer<Throwable> onError) {
    return new LeaderObserver(store, queue.prefix(), onLeader, onError).start();
  }
}
