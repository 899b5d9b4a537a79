package io.kvstore.raft.tracker;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.quorum.MajorityConfig;
import io.kvstore.raft.quorum.VoteResult;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The current configuration (voters and learners), the leader's progress for each member, and
 * the votes of the current election.
 *
 * <p>Thread-safety: not thread-safe; owned by the Raft core's thread.
 *
 * <p>Invariants: {@code progress.keySet()} is exactly voters ∪ learners; a member is never both a
 * voter and a learner; {@code progress.get(id).learner()} is true iff id is a learner. Iteration
 * is in ascending id order, so runs are deterministic.
 */
public final class ProgressTracker {
  private final int maxInflight;
  private MajorityConfig voters = new MajorityConfig(Set.of());
  private final TreeSet<Long> learners = new TreeSet<>();
  private final TreeMap<Long, Progress> progress = new TreeMap<>();
  private final Map<Long, Boolean> votes = new HashMap<>();

  public ProgressTracker(int maxInflight) {
    this.maxInflight = maxInflight;
  }

  public MajorityConfig voters() {
    return voters;
  }

  public Set<Long> learners() {
    return Collections.unmodifiableSet(learners);
  }

  /** Progress of every member, in ascending id order. */
  public Map<Long, Progress> progress() {
    return Collections.unmodifiableMap(progress);
  }

  public Progress get(long id) {
    return progress.get(id);
  }

  public boolean isMember(long id) {
    return progress.containsKey(id);
  }

  public boolean isVoter(long id) {
    return voters.contains(id);
  }

  /** The configuration as stored in snapshots and the log store. */
  public ConfState confState() {
    return ConfState.newBuilder().addAllVoters(voters.ids()).addAllLearners(learners).build();
  }

  /** Adds a voter (or promotes a learner) with progress starting at {@code next}. */
  public void addVoter(long id, long next) {
    setRole(id, next, false);
  }

  /** Adds a learner, or demotes a voter to learner. */
  public void addLearner(long id, long next) {
    setRole(id, next, true);
  }

  private void setRole(long id, long next, boolean learner) {
    Progress pr = progress.get(id);
    if (pr == null) {
      pr = newProgress(id, next, learner);
    }
    pr.setLearner(learner);
    TreeSet<Long> ids = new TreeSet<>(voters.ids());
    if (learner) {
      learners.add(id);
      ids.remove(id);
    } else {
      learners.remove(id);
      ids.add(id);
    }
    voters = new MajorityConfig(ids);
  }

  /**
   * A new member counts as recently active, as in etcd: check-quorum must not count it against
   * the leader before it had a chance to answer, and it may be sent a snapshot at once.
   */
  private Progress newProgress(long id, long next, boolean learner) {
    Progress pr = new Progress(0, next, maxInflight, learner);
    pr.setRecentActive(true);
    progress.put(id, pr);
    return pr;
  }

  public void remove(long id) {
    progress.remove(id);
    learners.remove(id);
    TreeSet<Long> ids = new TreeSet<>(voters.ids());
    ids.remove(id);
    voters = new MajorityConfig(ids);
  }

  /** The largest index replicated on a majority of voters. */
  public long committed() {
    return voters.committedIndex(id -> {
      Progress pr = progress.get(id);
      return pr == null ? 0 : pr.match();
    });
  }

  /** Whether a majority of voters were recently active (a leader counts itself). */
  public boolean quorumActive(long self) {
    Map<Long, Boolean> active = new HashMap<>();
    for (Map.Entry<Long, Progress> e : progress.entrySet()) {
      if (!e.getValue().learner()) {
        active.put(e.getKey(), e.getKey() == self || e.getValue().recentActive());
      }
    }
    return voters.voteResult(active) == VoteResult.WON;
  }

  public void resetVotes() {
    votes.clear();
  }

  /** Records a vote; a member's first vote in an election is the one that counts. */
  public void recordVote(long id, boolean granted) {
    votes.putIfAbsent(id, granted);
  }

  public VoteResult tallyVotes() {
    return voters.voteResult(votes);
  }

  /** Counts of granted and rejected votes cast by voters. */
  public int[] voteCounts() {
    int granted = 0;
    int rejected = 0;
    for (long id : voters.ids()) {
      Boolean v = votes.get(id);
      if (v != null) {
        if (v) {
          granted++;
        } else {
          rejected++;
        }
      }
    }
    return new int[] {granted, rejected};
  }
}
