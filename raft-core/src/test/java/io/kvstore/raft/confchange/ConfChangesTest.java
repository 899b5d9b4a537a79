package io.kvstore.raft.confchange;

import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE;
import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_ADD_NODE;
import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_PROMOTE_LEARNER;
import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_REMOVE_NODE;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.tracker.ProgressTracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfChangesTest {

  @Test
  void removingTheLastVoterIsRefused() {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).addLearners(2).build());

    assertThat(ConfChanges.refusal(t, cc(CONF_CHANGE_REMOVE_NODE, 1))).contains("last voter");
    assertThat(ConfChanges.refusal(t, cc(CONF_CHANGE_ADD_LEARNER_NODE, 1))).contains("last voter");
    assertThat(ConfChanges.refusal(t, cc(CONF_CHANGE_REMOVE_NODE, 2))).isNull();
  }

  @ParameterizedTest(name = "promote {0} -> refused {1}")
  @CsvSource({"1, true", "9, true", "3, false"})
  void onlyALearnerCanBePromoted(long id, boolean refused) {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build());

    assertThat(ConfChanges.refusal(t, cc(CONF_CHANGE_PROMOTE_LEARNER, id)) != null).isEqualTo(refused);
  }

  @Test
  void nodeIdZeroIsRefused() {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).build());

    assertThat(ConfChanges.refusal(t, cc(CONF_CHANGE_ADD_NODE, 0))).isNotNull();
  }

  @Test
  void addedMembersStartProbingAtTheGivenIndex() {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).build());

    ConfChanges.apply(t, cc(CONF_CHANGE_ADD_NODE, 2), 11);
    ConfChanges.apply(t, cc(CONF_CHANGE_ADD_LEARNER_NODE, 3), 11);

    assertThat(t.confState()).isEqualTo(
        ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build());
    assertThat(t.get(2).next()).isEqualTo(11);
    assertThat(t.get(2).match()).isZero();
    assertThat(t.get(3).learner()).isTrue();
  }

  @Test
  void memberIsNeverBothVoterAndLearner() {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build());

    ConfChanges.apply(t, cc(CONF_CHANGE_PROMOTE_LEARNER, 3), 5);
    ConfChanges.apply(t, cc(CONF_CHANGE_ADD_LEARNER_NODE, 2), 5);

    assertThat(t.confState()).isEqualTo(
        ConfState.newBuilder().addVoters(1).addVoters(3).addLearners(2).build());
    assertThat(t.get(3).learner()).isFalse();
    assertThat(t.get(2).learner()).isTrue();
  }

  @Test
  void removeDropsTheMemberAndItsProgress() {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build());

    ConfChanges.apply(t, cc(CONF_CHANGE_REMOVE_NODE, 2), 5);
    ConfChanges.apply(t, cc(CONF_CHANGE_REMOVE_NODE, 3), 5);

    assertThat(t.confState()).isEqualTo(ConfState.newBuilder().addVoters(1).build());
    assertThat(t.isMember(2)).isFalse();
    assertThat(t.isMember(3)).isFalse();
  }

  @Test
  void restoreReplacesTheWholeConfiguration() {
    ProgressTracker t = tracker(ConfState.newBuilder().addVoters(1).addVoters(2).build());
    ConfState cs = ConfState.newBuilder().addVoters(3).addVoters(4).addLearners(5).build();

    ConfChanges.restore(t, cs, 7);

    assertThat(t.confState()).isEqualTo(cs);
    assertThat(t.isMember(1)).isFalse();
    assertThat(t.get(4).next()).isEqualTo(7);
  }

  private static ProgressTracker tracker(ConfState cs) {
    ProgressTracker t = new ProgressTracker(10);
    ConfChanges.restore(t, cs, 1);
    return t;
  }

  private static ConfChange cc(ConfChangeType type, long id) {
    return ConfChange.newBuilder().setType(type).setNodeId(id).build();
  }
}
