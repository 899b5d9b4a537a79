package io.kvstore.raft.core;

/**
 * A proposal the core refused. {@link #leaderHint()} is the leader this member knows of (0 if
 * none), so a caller can redirect. Immutable.
 */
public final class ProposalDroppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long leaderHint;

  public ProposalDroppedException(String reason, long leaderHint) {
    super("raft proposal dropped: " + reason + (leaderHint == 0 ? " (no leader known)"
        : " (leader is " + Long.toHexString(leaderHint) + ")"));
    this.leaderHint = leaderHint;
  }

  public long leaderHint() {
    return leaderHint;
  }
}
