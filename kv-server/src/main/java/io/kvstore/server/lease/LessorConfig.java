package io.kvstore.server.lease;

import java.time.Duration;

/**
 * The lessor's settings. Immutable.
 *
 * @param minTtlSeconds the smallest TTL granted; a smaller request is raised to it (etcd: 1.5
 *     election timeouts, in whole seconds rounded up)
 * @param promoteExtension added to every lease's remaining TTL when this member becomes leader
 *     (etcd: one election timeout), so that clients have time to find the new leader
 * @param checkpointInterval how often the leader records the remaining TTL of a lease whose
 *     remaining TTL is longer than this (etcd's {@code --experimental-lease-checkpoint-interval})
 * @param expireRetryInterval how long the leader waits before proposing the revocation of an
 *     expired lease again when the first proposal had no effect (etcd: the request timeout)
 */
public record LessorConfig(long minTtlSeconds, Duration promoteExtension,
    Duration checkpointInterval, Duration expireRetryInterval) {
  /** etcd's default checkpoint interval. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(5);

  /** etcd's settings for a member with the given Raft timing and request timeout. */
  public static LessorConfig of(int heartbeatIntervalMs, int electionTicks,
      Duration requestTimeout) {
    long minTtlMs = (3L * electionTicks) / 2 * heartbeatIntervalMs;
    return new LessorConfig((minTtlMs + 999) / 1000,
        Duration.ofMillis((long) electionTicks * heartbeatIntervalMs),
        DEFAULT_CHECKPOINT_INTERVAL, requestTimeout).validate();
  }

  /** Checks every field; the exception names the wrong one and why. */
  public LessorConfig validate() {
    if (minTtlSeconds < 1) {
      throw new IllegalArgumentException("minTtlSeconds: must be at least 1, got "
          + minTtlSeconds);
    }
    if (promoteExtension == null || promoteExtension.isNegative()) {
      throw new IllegalArgumentException("promoteExtension: must not be negative, got "
          + promoteExtension);
    }
    if (checkpointInterval == null || checkpointInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("checkpointInterval: must be at least 1s, got "
          + checkpointInterval);
    }
    if (expireRetryInterval == null || expireRetryInterval.isNegative()
        || expireRetryInterval.isZero()) {
      throw new IllegalArgumentException("expireRetryInterval: must be positive, got "
          + expireRetryInterval);
    }
    return this;
  }
}
