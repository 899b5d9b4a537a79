package io.kvstore.server.mvcc;

/**
 * Tells the store whether a lease exists, so that a put naming an unknown lease is refused as etcd
 * refuses it. The lessor implements it; attaching keys to leases it derives from the committed
 * events (each carries the new and the previous value's lease).
 *
 * <p>Thread-safety: called on the apply thread only.
 */
@FunctionalInterface
public interface LeaseLookup {
  /** Every lease exists: for a store used without a lessor. */
  LeaseLookup ANY = id -> true;

  boolean exists(long leaseId);
}
