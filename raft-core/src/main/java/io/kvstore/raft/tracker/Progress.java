package io.kvstore.raft.tracker;

/**
 * The leader's view of one follower's log, as etcd-io/raft's {@code Progress}.
 *
 * <p>Thread-safety: not thread-safe; owned by the Raft core's thread.
 *
 * <p>Invariants: {@code match < next}; {@code pendingSnapshot > 0} only in {@link
 * ProgressState#SNAPSHOT}.
 */
public final class Progress {
  /** The highest index known to be replicated on the follower. */
  private long match;
  /** The index of the next entry to send. */
  private long next;
  private ProgressState state = ProgressState.PROBE;
  /** The index of the snapshot being sent, while in {@link ProgressState#SNAPSHOT}. */
  private long pendingSnapshot;
  /** Whether the follower was heard from since the last check-quorum round. */
  private boolean recentActive;
  /** In {@link ProgressState#PROBE}: an append was sent and no answer has come yet. */
  private boolean probeSent;
  private final Inflights inflights;
  private boolean learner;

  public Progress(long match, long next, int maxInflight, boolean learner) {
    this.match = match;
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.learner = learner;
  }

  public long match() {
    return match;
  }

  public long next() {
    return next;
  }

  public ProgressState state() {
    return state;
  }

  public long pendingSnapshot() {
    return pendingSnapshot;
  }

  public boolean recentActive() {
    return recentActive;
  }

  public void setRecentActive(boolean active) {
    recentActive = active;
  }

  public boolean learner() {
    return learner;
  }

  public void setLearner(boolean isLearner) {
    learner = isLearner;
  }

  public Inflights inflights() {
    return inflights;
  }

  private void resetState(ProgressState newState) {
    probeSent = false;
    pendingSnapshot = 0;
    state = newState;
    inflights.reset();
  }

  public void becomeProbe() {
    if (state == ProgressState.SNAPSHOT) {
      long pending = pendingSnapshot;
      resetState(ProgressState.PROBE);
      next = Math.max(match + 1, pending + 1);
    } else {
      resetState(ProgressState.PROBE);
      next = match + 1;
    }
  }

  public void becomeReplicate() {
    resetState(ProgressState.REPLICATE);
    next = match + 1;
  }

  public void becomeSnapshot(long snapshotIndex) {
    resetState(ProgressState.SNAPSHOT);
    pendingSnapshot = snapshotIndex;
  }

  /**
   * Notes that an append carrying entries up to {@code lastIndex} was sent: in {@link
   * ProgressState#REPLICATE} optimistically (pipelining), in {@link ProgressState#PROBE} by
   * pausing until the follower answers.
   */
  public void sentEntries(long lastIndex) {
    switch (state) {
      case REPLICATE -> {
        next = lastIndex + 1;
        inflights.add(lastIndex);
      }
      case PROBE -> probeSent = true;
      default -> throw new IllegalStateException("sending entries in state " + state);
    }
  }

  /** Starts over in {@link ProgressState#PROBE} from scratch, as when a new term begins. */
  public void reset(long newMatch, long newNext) {
    resetState(ProgressState.PROBE);
    match = newMatch;
    next = newNext;
    recentActive = false;
  }

  /** A snapshot could not be delivered: probe again from the match index, after a pause. */
  public void snapshotFailed() {
    pendingSnapshot = 0;
    becomeProbe();
    probeSent = true;
  }

  /** A snapshot was delivered: probe from after it, waiting for the follower's answer first. */
  public void snapshotDelivered() {
    becomeProbe();
    probeSent = true;
  }

  /** Records an acknowledgement up to {@code n}; returns whether it was news. */
  public boolean maybeUpdate(long n) {
    boolean updated = false;
    if (match < n) {
      match = n;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, n + 1);
    return updated;
  }

  /**
   * Handles a rejected append for index {@code rejected}; {@code matchHint} is the follower's
   * suggestion of where the logs may match. Returns whether the rejection was not stale.
   */
  public boolean maybeDecrTo(long rejected, long matchHint) {
    if (state == ProgressState.REPLICATE) {
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, matchHint + 1), 1);
    probeSent = false;
    return true;
  }

  /** Whether appends to this follower must wait (probe outstanding, window full, snapshot). */
  public boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  /** A heartbeat response unpauses a probe, so a lost append is resent. */
  public void onHeartbeatResponse() {
    probeSent = false;
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next
        + (learner ? " learner" : "")
        + (pendingSnapshot > 0 ? " pendingSnap=" + pendingSnapshot : "")
        + " inflight=" + inflights.count();
  }
}
