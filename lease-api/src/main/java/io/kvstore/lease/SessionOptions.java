package io.kvstore.lease;

import java.time.Duration;

/**
 * How a {@link Session} keeps its lease. Immutable.
 *
 * @param ttl the lease's time to live (whole seconds; the store may raise it to its minimum)
 * @param keepAliveInterval how often the lease is renewed
 * @param confirmWithin the session counts as lost when no renewal sent within this long has been
 *     confirmed; at most {@code ttl}, so a session is reported lost no later than the store could
 *     expire its lease (up to clock drift between the two machines)
 */
public record SessionOptions(Duration ttl, Duration keepAliveInterval, Duration confirmWithin) {

  /** etcd's concurrency package default: a 60 s lease renewed every third of it. */
  public static SessionOptions defaults() {
    return ofTtl(Duration.ofSeconds(60));
  }

  /** A lease of {@code ttl}, renewed every third of it, lost once a whole TTL is unconfirmed. */
  public static SessionOptions ofTtl(Duration ttl) {
    return new SessionOptions(ttl, ttl.dividedBy(3), ttl);
  }

  /** Checks every field; the exception names the wrong one and why. */
  public SessionOptions validate() {
    if (ttl == null || ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("ttl: must be at least 1s, got " + ttl);
    }
    if (confirmWithin == null || confirmWithin.isNegative() || confirmWithin.isZero()
        || confirmWithin.compareTo(ttl) > 0) {
      throw new IllegalArgumentException("confirmWithin: must be positive and at most ttl ("
          + ttl + "), got " + confirmWithin);
    }
    if (keepAliveInterval == null || keepAliveInterval.isNegative() || keepAliveInterval.isZero()
        || keepAliveInterval.compareTo(confirmWithin) >= 0) {
      throw new IllegalArgumentException("keepAliveInterval: must be positive and below"
          + " confirmWithin (" + confirmWithin + "), got " + keepAliveInterval);
    }
    return this;
  }
}
