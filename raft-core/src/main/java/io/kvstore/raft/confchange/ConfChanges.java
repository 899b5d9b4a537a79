package io.kvstore.raft.confchange;

import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.tracker.ProgressTracker;

/**
 * Applies single-server membership changes to a {@link ProgressTracker}. Raft's one-at-a-time rule
 * (a new change is proposed only after the previous one is applied) makes every change safe
 * without joint consensus. Stateless.
 */
public final class ConfChanges {
  private ConfChanges() {}

  /**
   * Why {@code cc} cannot be applied to the current configuration, or null if it can. A refused
   * change is applied as a no-op everywhere, so all members stay in agreement.
   */
  public static String refusal(ProgressTracker tracker, ConfChange cc) {
    long id = cc.getNodeId();
    if (id == 0) {
      return "node id 0 is reserved";
    }
    return switch (cc.getType()) {
      case CONF_CHANGE_REMOVE_NODE -> {
        if (tracker.isVoter(id) && tracker.voters().size() == 1) {
          yield "removing the last voter is not allowed";
        }
        yield null;
      }
      case CONF_CHANGE_PROMOTE_LEARNER ->
          tracker.learners().contains(id) ? null : "member " + Long.toHexString(id) + " is not a learner";
      case CONF_CHANGE_ADD_LEARNER_NODE ->
          tracker.isVoter(id) && tracker.voters().size() == 1 ? "demoting the last voter is not allowed" : null;
      case CONF_CHANGE_ADD_NODE -> null;
      case UNRECOGNIZED -> "unknown conf change type";
    };
  }

  /**
   * Applies {@code cc} (which {@link #refusal} accepted); new members' progress starts at {@code
   * nextIndex}.
   */
  public static void apply(ProgressTracker tracker, ConfChange cc, long nextIndex) {
    long id = cc.getNodeId();
    switch (cc.getType()) {
      case CONF_CHANGE_ADD_NODE, CONF_CHANGE_PROMOTE_LEARNER -> tracker.addVoter(id, nextIndex);
      case CONF_CHANGE_ADD_LEARNER_NODE -> tracker.addLearner(id, nextIndex);
      case CONF_CHANGE_REMOVE_NODE -> tracker.remove(id);
      default -> throw new IllegalArgumentException("unknown conf change type " + cc.getType());
    }
  }

  /** Rebuilds the tracker's configuration from a stored {@link ConfState}. */
  public static void restore(ProgressTracker tracker, ConfState cs, long nextIndex) {
    for (long id : tracker.progress().keySet().toArray(new Long[0])) {
      tracker.remove(id);
    }
    for (long v : cs.getVotersList()) {
      tracker.addVoter(v, nextIndex);
    }
    for (long l : cs.getLearnersList()) {
      tracker.addLearner(l, nextIndex);
    }
  }
}
