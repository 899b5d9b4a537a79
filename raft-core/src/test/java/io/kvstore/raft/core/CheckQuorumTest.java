package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_APP_RESP;
import static io.kvstore.raft.pb.MessageType.MSG_HEARTBEAT;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE_RESP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvstore.raft.pb.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Check-quorum (thesis §6.2) and the leader lease against disruptive servers (thesis §4.2.3). */
class CheckQuorumTest {

  /**
   * §6.2: "a leader in Raft steps down if an election timeout elapses without a successful round
   * of heartbeats to a majority of its cluster; this allows clients to retry their requests with
   * another server."
   */
  @Test
  void isolatedLeaderStepsDownAfterAnElectionTimeoutWithoutQuorum() {
    Network net = Network.create(3, c -> c.withFeatures(true, false));
    net.campaign(1);
    net.isolate(1);

    net.tick(1, 2 * ELECTION_TICK);

    assertThat(net.node(1).state()).isEqualTo(StateType.FOLLOWER);
    assertThat(net.node(1).term()).isEqualTo(1);
  }

  /** §6.2: a leader that keeps hearing from a majority keeps leading. */
  @Test
  void leaderHearingFromMajorityKeepsLeading() {
    Network net = Network.create(3, c -> c.withFeatures(true, false));
    net.campaign(1);
    net.isolate(3);

    net.tickAll(5 * ELECTION_TICK);

    assertThat(net.node(1).state()).isEqualTo(StateType.LEADER);
    assertThat(net.node(1).term()).isEqualTo(1);
  }

  /**
   * §4.2.3: "if a server receives a RequestVote request within the minimum election timeout of
   * hearing from a current leader, it does not update its term or grant its vote."
   */
  @Test
  void followerInLeaseIgnoresVoteRequest() {
    Network net = Network.create(3, c -> c.withFeatures(true, false));
    net.campaign(1);
    TestNode follower = net.node(2);

    List<Message> out = follower.step(msg(MSG_VOTE, 3, 2, 2).setIndex(1).setLogTerm(1));

    assertThat(out).isEmpty();
    assertThat(follower.term()).isEqualTo(1);
    assertThat(follower.lead()).isEqualTo(1);
  }

  /** §4.2.3: without the lease (check-quorum off) the same request deposes the live leader. */
  @Test
  void followerWithoutLeaseGrantsVoteDespiteLiveLeader() {
    Network net = Network.paper(3);
    net.campaign(1);
    TestNode follower = net.node(2);

    List<Message> out = follower.step(msg(MSG_VOTE, 3, 2, 2).setIndex(1).setLogTerm(1));

    assertThat(out).extracting(Message::getType, Message::getReject)
        .containsExactly(tuple(MSG_VOTE_RESP, false));
    assertThat(follower.term()).isEqualTo(2);
  }

  /**
   * §5.1: "If a candidate or leader discovers that its term is out of date, it immediately
   * reverts to follower state." With check-quorum, members ignore votes while in lease, so a
   * stale leader would never learn the term from a vote request: a stale append or heartbeat is
   * answered with the newer term instead.
   */
  @Test
  void staleHeartbeatIsAnsweredWithTheNewerTerm() {
    Config checkQuorum = paperConfig(1).withFeatures(true, false);
    TestNode n = new TestNode(checkQuorum, storage(List.of(), hardState(2, 0, 0), 1, 2, 3));

    List<Message> out = n.step(msg(MSG_HEARTBEAT, 2, 1, 1));

    assertThat(out).extracting(Message::getType, Message::getTo, Message::getTerm)
        .containsExactly(tuple(MSG_APP_RESP, 2L, 2L));
  }
}
