package io.kvstore.raft.node;

import io.kvstore.raft.core.ProposalDroppedException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Proposals made on this member, waiting for their log index to be applied.
 *
 * <p>Thread-safety: not thread-safe; used only on the node's event loop.
 *
 * <p>Invariant: every waiter's index is above the applied index when it was added.
 */
final class PendingProposals {
  private record Waiter(long term, long deadlineNanos, CompletableFuture<Object> future) {}

  private final TreeMap<Long, Waiter> byIndex = new TreeMap<>();

  void add(long index, long term, long deadlineNanos, CompletableFuture<Object> future) {
    byIndex.put(index, new Waiter(term, deadlineNanos, future));
  }

  int size() {
    return byIndex.size();
  }

  /**
   * The entry at {@code index} with term {@code term} was applied with {@code result}. A waiter
   * whose entry had another term was overwritten by a later leader: it was never committed.
   *
   * @return whether a waiter failed because its entry was overwritten
   */
  boolean applied(long index, long term, Object result, long leaderHint) {
    Waiter w = byIndex.remove(index);
    if (w == null) {
      return false;
    }
    if (w.term() == term) {
      w.future().complete(result);
      return false;
    }
    w.future().completeExceptionally(new ProposalDroppedException(
        "a new leader replaced the entry before it was committed", leaderHint));
    return true;
  }

  /** Fails every waiter past its deadline; returns how many. */
  int expire(long nowNanos) {
    List<Waiter> expired = new ArrayList<>();
    for (Iterator<Map.Entry<Long, Waiter>> it = byIndex.entrySet().iterator(); it.hasNext(); ) {
      Waiter w = it.next().getValue();
      if (nowNanos - w.deadlineNanos() >= 0) {
        expired.add(w);
        it.remove();
      }
    }
    for (Waiter w : expired) {
      w.future().completeExceptionally(new RequestTimeoutException(
          "request timed out: the proposal was not applied in time; it may still be committed"));
    }
    return expired.size();
  }

  void failAll(RuntimeException cause) {
    for (Waiter w : byIndex.values()) {
      w.future().completeExceptionally(cause);
    }
    byIndex.clear();
  }
}
