package io.kvstore.server.lease;

import com.google.protobuf.ByteString;
import io.kvstore.server.mvcc.KeyOrder;
import io.kvstore.server.pb.LeaseRecord;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * One lease as the {@link Lessor} keeps it: the replicated part (id, TTL, checkpointed remaining
 * TTL, last Raft renewal, attached keys — the same on every member after the same entries) and
 * this member's clock-based part (expiry when leading, an estimate otherwise, checkpoint and
 * retry schedule). Times are {@link Lessor} clock readings in nanoseconds.
 *
 * <p>Thread-safety: not thread-safe; guarded by the owning lessor's lock.
 */
final class Lease {
  /** A time that never comes: the expiry of every lease on a member that does not lead. */
  static final long NEVER = Long.MAX_VALUE;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  final long id;
  /** The granted TTL in seconds, at least the minimum TTL. */
  final long ttl;
  /** The last checkpointed remaining TTL in seconds; 0 when unset (then {@link #ttl} counts). */
  long remainingTtl;
  /** The Raft index of the last applied renewal of this lease, 0 if none. */
  long renewedIndex;
  /** The keys attached to this lease, in key order (the order a revocation deletes them in). */
  final NavigableSet<ByteString> keys = new TreeSet<>(KeyOrder.ORDER);
  /** When the lease expires; {@link #NEVER} unless this member is the primary lessor. */
  long expiry = NEVER;
  /**
   * When the lease would expire as far as this member saw it granted, renewed through Raft or
   * checkpointed; what a member that does not lead reports as the remaining TTL.
   */
  long estimatedExpiry;
  /** When the primary next records a checkpoint of this lease; {@link #NEVER} if not scheduled. */
  long nextCheckpoint = NEVER;
  /** The primary proposes no revocation of this lease before this time (etcd's retry interval). */
  long expireRetryAt;

  Lease(long id, long ttl) {
    this.id = id;
    this.ttl = ttl;
  }

  /** The remaining TTL to start counting from: the checkpointed one if set, else the TTL. */
  long startingTtl() {
    return remainingTtl > 0 ? remainingTtl : ttl;
  }

  LeaseRecord record() {
    return LeaseRecord.newBuilder().setId(id).setTtl(ttl).setRemainingTtl(remainingTtl)
        .setRenewedIndex(renewedIndex).build();
  }

  /** {@code now} plus {@code seconds}, saturating just below {@link #NEVER}. */
  static long after(long now, long seconds) {
    long nanos = seconds >= (NEVER - 1) / NANOS_PER_SECOND ? NEVER - 1 : seconds * NANOS_PER_SECOND;
    long t = now + nanos;
    return t < now ? NEVER - 1 : t;
  }

  /** Whole seconds from {@code now} until {@code time}, rounded down (etcd's {@code Remaining}). */
  static long secondsUntil(long now, long time) {
    return (time - now) / NANOS_PER_SECOND;
  }

  /** Whole seconds from {@code now} until {@code time}, rounded up (etcd's checkpoints). */
  static long secondsUntilCeil(long now, long time) {
    return Math.floorDiv(-(time - now), NANOS_PER_SECOND) * -1;
  }
}
