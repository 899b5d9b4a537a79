package io.kvstore.raft.node;

import java.time.Duration;

/**
 * The settings of a {@link RaftNode}. Immutable.
 *
 * @param id this member's id, never 0
 * @param tickInterval one Raft tick; the leader heartbeats every tick (etcd's
 *     --heartbeat-interval)
 * @param electionTicks ticks without a leader before campaigning (etcd's --election-timeout
 *     divided by --heartbeat-interval)
 * @param snapshotCount applied entries between snapshots (etcd's --snapshot-count)
 * @param snapshotCatchUpEntries entries kept in the log after a snapshot, so slightly lagging
 *     followers catch up by log rather than by snapshot
 * @param snapshotsRetained snapshot files kept on disk
 * @param requestTimeout how long a proposal or read may wait before it fails
 * @param maxSizePerMsg most entry bytes in one append message
 * @param maxInflightMsgs most append messages in flight to one follower
 * @param preVote run a pre-vote before each election
 * @param checkQuorum a leader steps down when it loses its quorum
 */
public record RaftNodeConfig(
    long id,
    Duration tickInterval,
    int electionTicks,
    long snapshotCount,
    long snapshotCatchUpEntries,
    int snapshotsRetained,
    Duration requestTimeout,
    long maxSizePerMsg,
    int maxInflightMsgs,
    boolean preVote,
    boolean checkQuorum) {

  /** etcd's defaults: 100 ms heartbeat, 1 s election timeout, a snapshot every 100,000 entries. */
  public static RaftNodeConfig defaults(long id) {
    return new RaftNodeConfig(id, Duration.ofMillis(100), 10, 100_000, 5_000, 5,
        Duration.ofSeconds(7), 1024 * 1024, 256, true, true);
  }

  public RaftNodeConfig withTiming(Duration newTickInterval, int newElectionTicks) {
    return new RaftNodeConfig(id, newTickInterval, newElectionTicks, snapshotCount,
        snapshotCatchUpEntries, snapshotsRetained, requestTimeout, maxSizePerMsg,
        maxInflightMsgs, preVote, checkQuorum);
  }

  public RaftNodeConfig withSnapshots(long newSnapshotCount, long newCatchUpEntries) {
    return new RaftNodeConfig(id, tickInterval, electionTicks, newSnapshotCount,
        newCatchUpEntries, snapshotsRetained, requestTimeout, maxSizePerMsg, maxInflightMsgs,
        preVote, checkQuorum);
  }

  public RaftNodeConfig withRequestTimeout(Duration newRequestTimeout) {
    return new RaftNodeConfig(id, tickInterval, electionTicks, snapshotCount,
        snapshotCatchUpEntries, snapshotsRetained, newRequestTimeout, maxSizePerMsg,
        maxInflightMsgs, preVote, checkQuorum);
  }

  /** Checks every field; the exception names the wrong one and why. */
  public RaftNodeConfig validate() {
    if (id == 0) {
      throw new IllegalArgumentException("id: must not be 0 (Raft reserves 0 for none)");
    }
    if (tickInterval == null || tickInterval.isNegative() || tickInterval.isZero()) {
      throw new IllegalArgumentException("tickInterval: must be positive, got " + tickInterval);
    }
    if (electionTicks < 2) {
      throw new IllegalArgumentException("electionTicks: must be at least 2, got " + electionTicks);
    }
    if (snapshotCount < 1) {
      throw new IllegalArgumentException("snapshotCount: must be positive, got " + snapshotCount);
    }
    if (snapshotCatchUpEntries < 0) {
      throw new IllegalArgumentException("snapshotCatchUpEntries: must not be negative");
    }
    if (snapshotsRetained < 1) {
      throw new IllegalArgumentException("snapshotsRetained: must be at least 1");
    }
    if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout: must be positive, got " + requestTimeout);
    }
    if (maxSizePerMsg < 1 || maxInflightMsgs < 1) {
      throw new IllegalArgumentException("maxSizePerMsg and maxInflightMsgs: must be positive");
    }
    return this;
  }
}
