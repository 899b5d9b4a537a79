package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.core.Fixtures.confChange;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE_RESP;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.ConfState;
import org.junit.jupiter.api.Test;

/**
 * Learners (non-voting members), §4.2.1 of Ongaro's thesis: "Raft introduces an additional phase
 * before the configuration change, in which the new server joins the cluster as a non-voting
 * member. The leader replicates log entries to it, but it is not yet counted toward majorities
 * for voting or commitment purposes."
 */
class LearnerTest {
  private static final ConfState VOTERS_1_2_LEARNER_3 =
      ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build();

  /** §4.2.1: a non-voting member "is not yet counted toward majorities for voting". */
  @Test
  void learnerNeverCampaigns() {
    TestNode learner = new TestNode(paperConfig(3), storage(VOTERS_1_2_LEARNER_3));

    assertThat(learner.tick(10 * ELECTION_TICK)).isEmpty();
    assertThat(learner.state()).isEqualTo(StateType.FOLLOWER);
    assertThat(learner.term()).isZero();
  }

  /** §4.2.1: a non-voting member "is not yet counted toward majorities for voting". */
  @Test
  void learnerIsNotAskedToVoteAndItsVoteDoesNotCount() {
    Network net = cluster();
    net.cut(1, 2);

    net.campaign(1);
    net.node(1).raw.step(msg(MSG_VOTE_RESP, 3, 1, 1).build());
    net.stabilize();

    assertThat(net.delivered(MSG_VOTE, 1, 3)).isEmpty();
    assertThat(net.node(1).state()).isEqualTo(StateType.CANDIDATE);
  }

  /** §4.2.1: "The leader replicates log entries to it". */
  @Test
  void learnerReceivesAndAppliesEntries() {
    Network net = cluster();
    net.campaign(1);

    net.propose(1, "x");

    assertThat(net.node(3).log()).isEqualTo(net.node(1).log());
    assertThat(net.node(3).appliedData()).containsExactly(bytes("x"));
  }

  /** §4.2.1: a learner "is not yet counted toward majorities for ... commitment purposes." */
  @Test
  void learnerAckDoesNotCountTowardCommitment() {
    Network net = cluster();
    net.campaign(1);
    long committed = net.node(1).committed();
    net.cut(1, 2);

    net.propose(1, "x");

    assertThat(net.node(3).log()).isEqualTo(net.node(1).log());
    assertThat(net.node(1).committed()).isEqualTo(committed);
    assertThat(net.node(1).appliedData()).isEmpty();
  }

  /**
   * §4.2.1: "Once the new server has caught up with the rest of the cluster, the reconfiguration
   * can proceed as described above." A promoted learner votes, counts and may lead.
   */
  @Test
  void promotedLearnerBecomesAVoterThatCanLead() {
    Network net = cluster();
    net.campaign(1);

    net.node(1).raw.proposeConfChange(confChange(ConfChangeType.CONF_CHANGE_PROMOTE_LEARNER, 3));
    net.stabilize();

    ConfState promoted = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
    for (long id : Fixtures.ids(3)) {
      assertThat(net.node(id).raw.status().confState()).isEqualTo(promoted);
    }
    net.campaign(3);
    assertThat(net.node(3).state()).isEqualTo(StateType.LEADER);
  }

  private static Network cluster() {
    return Network.of(
        new TestNode(paperConfig(1), storage(VOTERS_1_2_LEARNER_3)),
        new TestNode(paperConfig(2), storage(VOTERS_1_2_LEARNER_3)),
        new TestNode(paperConfig(3), storage(VOTERS_1_2_LEARNER_3)));
  }
}
