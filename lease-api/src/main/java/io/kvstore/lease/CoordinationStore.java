package io.kvstore.lease;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The few store operations sessions, elections, locks and leader electors are built on, provided
 * by both the remote client and the embedded member so that one recipe serves both. Every
 * operation is asynchronous; a failed future carries the store's error (for a write whose outcome
 * is unknown, an exception saying so).
 *
 * <p>Thread-safety: implementations are safe for concurrent use; callbacks may run on any thread
 * and must not block.
 */
public interface CoordinationStore {

  /** Grants a lease of {@code ttl} (whole seconds, rounded up); completes with its id. */
  CompletableFuture<LeaseGrant> grantLease(Duration ttl);

  /**
   * Renews a lease once; completes with the remaining TTL in seconds, or a value {@code <= 0} if
   * the lease no longer exists.
   */
  CompletableFuture<Long> keepAliveOnce(long leaseId);

  /** Revokes a lease, deleting its keys; completes normally if it is already gone. */
  CompletableFuture<Void> revokeLease(long leaseId);

  /**
   * Creates {@code key} with {@code value} attached to {@code leaseId} unless it exists; completes
   * with the key as it is afterwards (the existing one if it was there).
   */
  CompletableFuture<KeyValue> createIfAbsent(String key, byte[] value, long leaseId);

  /** The key, if it exists (a linearizable read). */
  CompletableFuture<Lookup> get(String key);

  /** The key under {@code prefix} with the lowest create revision, if any. */
  CompletableFuture<Lookup> firstCreated(String prefix);

  /**
   * The key under {@code prefix} with the highest create revision below {@code createRevision}:
   * the predecessor a waiter in a queue watches.
   */
  CompletableFuture<Lookup> lastCreatedBefore(String prefix, long createRevision);

  /**
   * Runs {@code ops} only if {@code guardKey} still exists with create revision {@code
   * guardCreateRevision}; completes with whether it did and the store's revision afterwards.
   */
  CompletableFuture<TxnOutcome> guardedTxn(String guardKey, long guardCreateRevision,
      List<WriteOp> ops);

  /**
   * Completes once {@code key} is deleted at a revision after {@code afterRevision} (or at once if
   * it no longer exists). Cancelling the returned future stops watching.
   */
  CompletableFuture<Void> awaitDelete(String key, long afterRevision);

  /**
   * Calls {@code onChange} with every change to keys under {@code prefix} after {@code
   * afterRevision}, in revision order, until the returned handle is closed. {@code onError} is
   * called once if watching fails for good (for example, the revision was compacted).
   */
  AutoCloseable watchPrefix(String prefix, long afterRevision, Consumer<PrefixEvent> onChange,
      Consumer<Throwable> onError);

  /** What a linearizable read found, and the store's revision it was read at. Immutable. */
  record Lookup(Optional<KeyValue> found, long revision) {}

  /** A change under a watched prefix. Immutable. */
  record PrefixEvent(boolean deleted, KeyValue kv, long revision) {}
}
