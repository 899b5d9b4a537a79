package io.kvstore.lease;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One leadership term of a {@link LeaderElector}, handed to {@link
 * LeaderCallbacks#onStartedLeading}: Java's counterpart of client-go's leader context.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class LeaderContext {
  private final Leadership term;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  LeaderContext(Leadership term) {
    this.term = term;
  }

  /** The term's fencing token; strictly greater for every later term of the election. */
  public long fencingToken() {
    return term.fencingToken();
  }

  /** Whether this term still holds: not stopped, and the lease confirmed as of now. */
  public boolean isLeading() {
    return !stopped.isDone() && term.isValid();
  }

  /** Completes when the term ends (client-go's {@code ctx.Done()}). */
  public CompletionStage<Void> stopped() {
    return stopped.minimalCompletionStage();
  }

  /** Writes {@code ops} only if this term still holds in the store. */
  public CompletableFuture<TxnOutcome> guardedTxn(List<WriteOp> ops) {
    return term.guardedTxn(ops);
  }

  Leadership term() {
    return term;
  }

  void stop() {
    stopped.complete(null);
  }
}
