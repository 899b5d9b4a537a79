package io.kvstore.raft.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.quorum.VoteResult;
import org.junit.jupiter.api.Test;

class ProgressTrackerTest {

  @Test
  void committedIndexCountsVotersOnly() {
    ProgressTracker t = tracker();
    t.get(1).maybeUpdate(10);
    t.get(4).maybeUpdate(10);

    assertThat(t.committed()).isZero();

    t.get(2).maybeUpdate(7);
    assertThat(t.committed()).isEqualTo(7);
  }

  @Test
  void firstVoteOfAMemberIsTheOneThatCounts() {
    ProgressTracker t = tracker();
    t.recordVote(1, true);
    t.recordVote(2, false);
    t.recordVote(2, true);
    t.recordVote(4, true);

    assertThat(t.voteCounts()).containsExactly(1, 1);
    assertThat(t.tallyVotes()).isEqualTo(VoteResult.PENDING);
    t.recordVote(3, true);
    assertThat(t.tallyVotes()).isEqualTo(VoteResult.WON);
  }

  @Test
  void newMembersStartRecentlyActive() {
    ProgressTracker t = tracker();
    assertThat(t.progress().values()).allMatch(Progress::recentActive);
    assertThat(t.quorumActive(1)).isTrue();
  }

  @Test
  void quorumIsActiveWhenMajorityOfVotersWereHeardFrom() {
    ProgressTracker t = tracker();
    t.progress().values().forEach(pr -> pr.setRecentActive(false));
    t.get(4).setRecentActive(true);
    assertThat(t.quorumActive(1)).isFalse();

    t.get(3).setRecentActive(true);
    assertThat(t.quorumActive(1)).isTrue();
  }

  /** Voters 1, 2, 3 and learner 4. */
  private static ProgressTracker tracker() {
    ProgressTracker t = new ProgressTracker(10);
    t.addVoter(1, 1);
    t.addVoter(2, 1);
    t.addVoter(3, 1);
    t.addLearner(4, 1);
    return t;
  }
}
