package io.kvstore.raft.core;

import java.util.random.RandomGenerator;

/**
 * The settings of one {@link RawNode}. Immutable.
 *
 * @param id this member's id, never 0
 * @param electionTick ticks without hearing from a leader before a follower campaigns; the actual
 *     timeout is randomized in {@code [electionTick, 2 * electionTick)}
 * @param heartbeatTick ticks between leader heartbeats; must be less than {@code electionTick}
 * @param applied the last index the state machine has applied (0 on a fresh start); committed
 *     entries up to it are not handed out again
 * @param maxSizePerMsg most entry bytes in one append message (batching); at least one entry is
 *     always sent
 * @param maxInflightMsgs most append messages in flight to one follower (pipelining)
 * @param maxUncommittedEntriesSize most bytes of proposed but uncommitted entries a leader accepts
 *     before refusing proposals; 0 means no limit
 * @param checkQuorum a leader steps down when it has not heard from a quorum for an election
 *     timeout, and followers ignore vote requests while they hear from a leader
 * @param preVote a candidate first checks that it could win before bumping its term
 * @param disableProposalForwarding followers refuse proposals instead of forwarding them
 * @param random the source of election-timeout jitter; a seeded one makes runs repeatable
 */
public record Config(
    long id,
    int electionTick,
    int heartbeatTick,
    long applied,
    long maxSizePerMsg,
    int maxInflightMsgs,
    long maxUncommittedEntriesSize,
    boolean checkQuorum,
    boolean preVote,
    boolean disableProposalForwarding,
    RandomGenerator random) {

  /** A config with the defaults kvstore runs with: pre-vote and check-quorum on. */
  public static Config defaults(long id, RandomGenerator random) {
    return new Config(id, 10, 1, 0, 1024 * 1024, 256, 0, true, true, false, random);
  }

  public Config withApplied(long newApplied) {
    return new Config(id, electionTick, heartbeatTick, newApplied, maxSizePerMsg, maxInflightMsgs,
        maxUncommittedEntriesSize, checkQuorum, preVote, disableProposalForwarding, random);
  }

  public Config withTicks(int newElectionTick, int newHeartbeatTick) {
    return new Config(id, newElectionTick, newHeartbeatTick, applied, maxSizePerMsg,
        maxInflightMsgs, maxUncommittedEntriesSize, checkQuorum, preVote,
        disableProposalForwarding, random);
  }

  public Config withFeatures(boolean newCheckQuorum, boolean newPreVote) {
    return new Config(id, electionTick, heartbeatTick, applied, maxSizePerMsg, maxInflightMsgs,
        maxUncommittedEntriesSize, newCheckQuorum, newPreVote, disableProposalForwarding, random);
  }

  public Config withLimits(long newMaxSizePerMsg, int newMaxInflightMsgs) {
    return new Config(id, electionTick, heartbeatTick, applied, newMaxSizePerMsg,
        newMaxInflightMsgs, maxUncommittedEntriesSize, checkQuorum, preVote,
        disableProposalForwarding, random);
  }

  public Config withProposalForwardingDisabled(boolean disabled) {
    return new Config(id, electionTick, heartbeatTick, applied, maxSizePerMsg, maxInflightMsgs,
        maxUncommittedEntriesSize, checkQuorum, preVote, disabled, random);
  }

  /** Checks every field; the exception names the wrong one and why. */
  public void validate() {
    if (id == 0) {
      throw new IllegalArgumentException("id: cannot be 0 (0 means 'none' in Raft)");
    }
    if (heartbeatTick <= 0) {
      throw new IllegalArgumentException("heartbeatTick: must be greater than 0, got " + heartbeatTick);
    }
    if (electionTick <= heartbeatTick) {
      throw new IllegalArgumentException("electionTick: must be greater than heartbeatTick ("
          + heartbeatTick + "), got " + electionTick);
    }
    if (maxSizePerMsg <= 0) {
      throw new IllegalArgumentException("maxSizePerMsg: must be greater than 0, got " + maxSizePerMsg);
    }
    if (maxInflightMsgs <= 0) {
      throw new IllegalArgumentException("maxInflightMsgs: must be greater than 0, got " + maxInflightMsgs);
    }
    if (maxUncommittedEntriesSize < 0) {
      throw new IllegalArgumentException("maxUncommittedEntriesSize: must not be negative");
    }
    if (applied < 0) {
      throw new IllegalArgumentException("applied: must not be negative, got " + applied);
    }
    if (random == null) {
      throw new IllegalArgumentException("random: must be set (seed it for repeatable runs)");
    }
  }
}
