package io.kvstore.raft.node;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.ReadState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Linearizable reads in their three stages: queued for the next confirmation round, waiting for
 * the leader's confirmation (one ReadIndex context serves the whole batch), and confirmed but
 * waiting for the local state machine to reach the read index.
 *
 * <p>Thread-safety: not thread-safe; used only on the node's event loop.
 *
 * <p>Invariant: each future is in exactly one stage until it completes. A round still waiting
 * for its confirmation can be sent again ({@link #unansweredSince}): the leader answers each copy,
 * and the first answer completes the round.
 */
final class PendingReads {
  private record Waiter(long deadlineNanos, CompletableFuture<Long> future) {}

  private List<Waiter> queued = new ArrayList<>();
  private final Map<ByteString, List<Waiter>> confirming = new HashMap<>();
  /** When each confirming round's request was last sent; same keys as {@link #confirming}. */
  private final Map<ByteString, Long> sentAt = new HashMap<>();
  private final TreeMap<Long, List<Waiter>> awaitingApply = new TreeMap<>();
  private long nextContext = 1;

  void queue(long deadlineNanos, CompletableFuture<Long> future) {
    queued.add(new Waiter(deadlineNanos, future));
  }

  boolean hasQueued() {
    return !queued.isEmpty();
  }

  /** Moves the queued reads into one confirmation round sent now and returns its context. */
  ByteString startRound(long nowNanos) {
    ByteString ctx = ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(nextContext++)
        .array());
    confirming.put(ctx, queued);
    sentAt.put(ctx, nowNanos);
    queued = new ArrayList<>();
    return ctx;
  }

  /**
   * The rounds whose request was last sent at or before {@code cutoffNanos} and is still
   * unanswered (the request or its answer may have been lost), marked as sent again now.
   */
  List<ByteString> unansweredSince(long cutoffNanos, long nowNanos) {
    List<ByteString> out = new ArrayList<>();
    for (Map.Entry<ByteString, Long> e : sentAt.entrySet()) {
      if (e.getValue() - cutoffNanos <= 0) {
        out.add(e.getKey());
        e.setValue(nowNanos);
      }
    }
    return out;
  }

  /** Fails a round that could not start (for example, no leader). */
  void failRound(ByteString ctx, RuntimeException cause) {
    sentAt.remove(ctx);
    List<Waiter> ws = confirming.remove(ctx);
    if (ws != null) {
      ws.forEach(w -> w.future().completeExceptionally(cause));
    }
  }

  /** The leader confirmed a round; its reads may be served once {@code applied} reaches it. */
  void confirmed(ReadState rs, long applied) {
    sentAt.remove(rs.requestContext());
    List<Waiter> ws = confirming.remove(rs.requestContext());
    if (ws == null) {
      return;
    }
    if (rs.index() <= applied) {
      ws.forEach(w -> w.future().complete(rs.index()));
    } else {
      awaitingApply.computeIfAbsent(rs.index(), k -> new ArrayList<>()).addAll(ws);
    }
  }

  /** The state machine applied up to {@code applied}: release the reads that waited for it. */
  void applied(long applied) {
    while (!awaitingApply.isEmpty() && awaitingApply.firstKey() <= applied) {
      Map.Entry<Long, List<Waiter>> e = awaitingApply.pollFirstEntry();
      e.getValue().forEach(w -> w.future().complete(e.getKey()));
    }
  }

  /** Fails reads whose confirmation may never come (leadership changed). */
  void failConfirming(RuntimeException cause) {
    confirming.values().forEach(ws -> ws.forEach(w -> w.future().completeExceptionally(cause)));
    confirming.clear();
    sentAt.clear();
  }

  void expire(long nowNanos) {
    RequestTimeoutException timeout =
        new RequestTimeoutException("request timed out: the read could not be confirmed in time");
    expireIn(queued, nowNanos, timeout);
    for (Iterator<List<Waiter>> it = confirming.values().iterator(); it.hasNext(); ) {
      List<Waiter> ws = it.next();
      expireIn(ws, nowNanos, timeout);
      if (ws.isEmpty()) {
        it.remove();
      }
    }
    sentAt.keySet().retainAll(confirming.keySet());
    for (Iterator<List<Waiter>> it = awaitingApply.values().iterator(); it.hasNext(); ) {
      List<Waiter> ws = it.next();
      expireIn(ws, nowNanos, timeout);
      if (ws.isEmpty()) {
        it.remove();
      }
    }
  }

  private static void expireIn(List<Waiter> ws, long nowNanos, RuntimeException timeout) {
    ws.removeIf(w -> {
      if (nowNanos - w.deadlineNanos() >= 0) {
        w.future().completeExceptionally(timeout);
        return true;
      }
      return false;
    });
  }

  void failAll(RuntimeException cause) {
    queued.forEach(w -> w.future().completeExceptionally(cause));
    queued.clear();
    failConfirming(cause);
    awaitingApply.values().forEach(ws -> ws.forEach(w -> w.future().completeExceptionally(cause)));
    awaitingApply.clear();
  }
}
