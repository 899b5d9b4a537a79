package io.kvstore.server.apply;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Requests proposed on this member, waiting for their entry to be applied, by request id (etcd's
 * {@code wait.Wait}). The entry may have been proposed here and forwarded to the leader, so the
 * applied entry is recognised by the id inside it, not by its log index.
 *
 * <p>Thread-safety: safe for concurrent use; {@link #register} runs on request threads, {@link
 * #trigger} on the apply thread, which hands the completion (and so the building and sending of
 * the response) to the executor given at construction, so the apply thread never serializes
 * responses.
 */
public final class ApplyWaiters {
  private final ConcurrentHashMap<Long, CompletableFuture<Object>> waiting =
      new ConcurrentHashMap<>();
  private final Executor completions;

  /** Completes waiters on the thread that triggers them. */
  public ApplyWaiters() {
    this(Runnable::run);
  }

  public ApplyWaiters(Executor completions) {
    this.completions = completions;
  }

  /** Registers a request; the future completes with its apply result. */
  public CompletableFuture<Object> register(long id) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    if (waiting.putIfAbsent(id, f) != null) {
      throw new IllegalStateException("duplicate request id " + Long.toHexString(id));
    }
    f.whenComplete((r, e) -> waiting.remove(id, f));
    return f;
  }

  /** Completes the request {@code id} if it is waiting here (it may belong to another member). */
  public void trigger(long id, Object result) {
    CompletableFuture<Object> f = waiting.remove(id);
    if (f != null) {
      completions.execute(() -> f.complete(result));
    }
  }

  /** Fails the request {@code id} if it is waiting here, as when etcd refused it at apply. */
  public void fail(long id, RuntimeException cause) {
    CompletableFuture<Object> f = waiting.remove(id);
    if (f != null) {
      completions.execute(() -> f.completeExceptionally(cause));
    }
  }

  /** Fails every waiting request, as when the member stops. */
  public void failAll(RuntimeException cause) {
    waiting.values().forEach(f -> f.completeExceptionally(cause));
    waiting.clear();
  }

  public int size() {
    return waiting.size();
  }
}
