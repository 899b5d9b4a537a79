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
  /**
   * Appends must wait: in {@link ProgressState#PROBE} one was sent and not yet answered; in
   * {@link ProgressState#REPLICATE} the inflight window filled up. A heartbeat response clears
   * it, so replication never stalls when every message in flight was lost.
   */
  private boolean msgAppFlowPaused;
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
    msgAppFlowPaused = false;
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
   * Notes that an append was sent carrying {@code count} entries ending at {@code lastIndex}: in
   * {@link ProgressState#REPLICATE} optimistically (pipelining), pausing once the window is full;
   * in {@link ProgressState#PROBE} by pausing until the follower answers a non-empty append.
   */
  public void sentEntries(int count, long lastIndex) {
    switch (state) {
      case REPLICATE -> {
        if (count > 0) {
          next = lastIndex + 1;
          inflights.add(lastIndex);
        }
        msgAppFlowPaused = inflights.full();
      }
      case PROBE -> {
        if (count > 0) {
          msgAppFlowPaused = true;
        }
      }
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
    msgAppFlowPaused = true;
  }

  /** A snapshot was delivered: probe from after it, waiting for the follower's answer first. */
  public void snapshotDelivered() {
    becomeProbe();
    msgAppFlowPaused = true;
  }

  /** Records an acknowledgement up to {@code n}; returns whether it was news. */
  public boolean maybeUpdate(long n) {
    boolean updated = false;
    if (match < n) {
      match = n;
      updated = true;
      msgAppFlowPaused = false;
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
    next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
    msgAppFlowPaused = false;
    return true;
  }

  /** Whether appends to this follower must wait (probe outstanding, window full, snapshot). */
  public boolean isPaused() {
    return switch (state) {
      case PROBE, REPLICATE -> msgAppFlowPaused;
      case SNAPSHOT -> true;
    };
  }

  /**
   * A heartbeat response unpauses the flow, so an append (empty if the window is full) is sent
   * and its answer resynchronises the leader even if everything in flight was lost.
   */
  public void onHeartbeatResponse() {
    msgAppFlowPaused = false;
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next
        + (learner ? " learner" : "")
        + (pendingSnapshot > 0 ? " pendingSnap=" + pendingSnapshot : "")
        + " inflight=" + inflights.count();
  }
}
