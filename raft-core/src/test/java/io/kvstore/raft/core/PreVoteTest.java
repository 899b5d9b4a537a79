package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_PRE_VOTE;
import static io.kvstore.raft.pb.MessageType.MSG_PRE_VOTE_RESP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvstore.raft.pb.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pre-vote, §9.6 of Ongaro's thesis. */
class PreVoteTest {

  /**
   * §9.6: "In the Pre-Vote algorithm, a candidate only increments its term if it first learns
   * from a majority of the cluster that they would be willing to grant the candidate their votes
   * (if the candidate's log is sufficiently up-to-date, and the voters have not received
   * heartbeats from a valid leader for at least a baseline election timeout)."
   */
  @Test
  void partitionedMemberRejoiningWithPreVoteDoesNotBumpTheTerm() {
    Network net = Network.create(3, c -> c.withFeatures(false, true));
    net.campaign(1);
    net.isolate(3);
    net.propose(1, "while 3 was away");

    net.tick(3, 3 * ELECTION_TICK);
    assertThat(net.node(3).state()).isEqualTo(StateType.PRE_CANDIDATE);
    assertThat(net.node(3).term()).isEqualTo(1);

    net.heal();
    net.tickAll(3 * ELECTION_TICK);

    assertThat(net.leader().id).isEqualTo(1);
    for (long id : Fixtures.ids(3)) {
      assertThat(net.node(id).term()).isEqualTo(1);
    }
    assertThat(net.node(3).lead()).isEqualTo(1);
    assertThat(net.node(3).log()).isEqualTo(net.node(1).log());
  }

  /**
   * §9.6: "When the server regains connectivity sometime later, its larger term number will
   * propagate to the rest of the cluster (either through the server's RequestVote requests or
   * through its AppendEntries response). This will force the cluster leader to step down, and a
   * new election will have to take place to select a new leader." The disruption pre-vote avoids.
   */
  @Test
  void partitionedMemberRejoiningWithoutPreVoteDisruptsTheCluster() {
    Network net = Network.paper(3);
    net.campaign(1);
    net.isolate(3);
    net.propose(1, "while 3 was away");

    net.tick(3, 3 * ELECTION_TICK);
    assertThat(net.node(3).term()).isGreaterThan(1);

    net.heal();
    net.tickAll(3 * ELECTION_TICK);

    assertThat(net.node(1).term()).isGreaterThan(1);
  }

  /**
   * §9.6: a pre-vote is only a question ("they would be willing to grant the candidate their
   * votes"): granting it changes neither the voter's term nor its vote.
   */
  @Test
  void grantingPreVoteChangesNeitherTermNorVote() {
    Config preVote = paperConfig(1).withFeatures(false, true);
    TestNode n = new TestNode(preVote, storage(List.of(), hardState(1, 2, 0), 1, 2, 3));

    List<Message> out = n.step(msg(MSG_PRE_VOTE, 3, 1, 2));

    assertThat(out).extracting(Message::getType, Message::getTo, Message::getTerm, Message::getReject)
        .containsExactly(tuple(MSG_PRE_VOTE_RESP, 3L, 2L, false));
    assertThat(n.term()).isEqualTo(1);
    assertThat(n.vote()).isEqualTo(2);
  }
}
