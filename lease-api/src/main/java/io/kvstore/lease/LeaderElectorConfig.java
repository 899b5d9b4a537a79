package io.kvstore.lease;

import java.time.Duration;

/**
 * The settings of a {@link LeaderElector}, named as client-go's leader election. Immutable.
 *
 * @param election the election's name (its key prefix)
 * @param identity this replica's name, published as the leader's value
 * @param leaseDuration the lease TTL: how long after its last confirmed renewal a silent leader
 *     keeps the store's leadership, so the longest a standby waits after the leader dies
 * @param renewDeadline how long the leader keeps acting without a confirmed renewal; below
 *     {@code leaseDuration} by more than the clock drift over one lease
 * @param retryPeriod how often the lease is renewed and a failed step is retried
 * @param releaseOnCancel whether closing the elector resigns at once (a standby takes over
 *     without waiting for the lease to expire)
 */
public record LeaderElectorConfig(String election, String identity, Duration leaseDuration,
    Duration renewDeadline, Duration retryPeriod, boolean releaseOnCancel) {

  /** client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry period. */
  public static LeaderElectorConfig of(String election, String identity) {
    return new LeaderElectorConfig(election, identity, Duration.ofSeconds(15),
        Duration.ofSeconds(10), Duration.ofSeconds(2), true);
  }

  public LeaderElectorConfig withTiming(Duration newLeaseDuration, Duration newRenewDeadline,
      Duration newRetryPeriod) {
    return new LeaderElectorConfig(election, identity, newLeaseDuration, newRenewDeadline,
        newRetryPeriod, releaseOnCancel);
  }

  public LeaderElectorConfig withReleaseOnCancel(boolean release) {
    return new LeaderElectorConfig(election, identity, leaseDuration, renewDeadline, retryPeriod,
        release);
  }

  /** The session options that enforce these timings. */
  SessionOptions sessionOptions() {
    return new SessionOptions(leaseDuration, retryPeriod, renewDeadline);
  }

  /** Checks every field; the exception names the wrong one and why. */
  public LeaderElectorConfig validate() {
    if (election == null || election.isEmpty()) {
      throw new IllegalArgumentException("election: must not be empty");
    }
    if (identity == null || identity.isEmpty()) {
      throw new IllegalArgumentException("identity: must not be empty");
    }
    if (leaseDuration == null || leaseDuration.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("leaseDuration: must be at least 1s, got "
          + leaseDuration);
    }
    if (renewDeadline == null || renewDeadline.compareTo(leaseDuration) >= 0
        || renewDeadline.isNegative() || renewDeadline.isZero()) {
      throw new IllegalArgumentException("renewDeadline: must be positive and below"
          + " leaseDuration (" + leaseDuration + "), got " + renewDeadline);
    }
    if (retryPeriod == null || retryPeriod.compareTo(renewDeadline) >= 0
        || retryPeriod.isNegative() || retryPeriod.isZero()) {
      throw new IllegalArgumentException("retryPeriod: must be positive and below renewDeadline ("
          + renewDeadline + "), got " + retryPeriod);
    }
    return this;
  }
}
