package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_TIMEOUT_NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.raft.pb.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leadership transfer, §3.10 of Ongaro's thesis, with pre-vote and check-quorum on: the
 * transferee's election must get through the other members' leases.
 */
class LeadershipTransferTest {

  /**
   * §3.10: "The prior leader sends a TimeoutNow request to the target server. This request has
   * the same effect as the target server's election timer firing: the target server starts a new
   * election (incrementing its term and becoming a candidate)."
   */
  @Test
  void upToDateTransfereeBecomesLeaderOnTimeoutNow() {
    Network net = productionCluster();
    net.campaign(1);

    net.node(1).raw.transferLeader(2);
    net.stabilize();

    assertThat(net.delivered(MSG_TIMEOUT_NOW, 1, 2)).hasSize(1);
    assertThat(net.node(2).state()).isEqualTo(StateType.LEADER);
    assertThat(net.node(2).term()).isEqualTo(2);
    assertThat(net.node(1).state()).isEqualTo(StateType.FOLLOWER);
    assertThat(net.node(1).lead()).isEqualTo(2);
  }

  /**
   * §3.10: "The prior leader fully updates the target server's log to match its own, using the
   * normal log replication mechanism", and only then sends TimeoutNow.
   */
  @Test
  void laggingTransfereeIsCaughtUpBeforeTimeoutNow() {
    Network net = productionCluster();
    net.campaign(1);
    net.isolate(3);
    net.propose(1, "missed by 3");
    net.heal();
    net.forgetDelivered();

    net.node(1).raw.transferLeader(3);
    net.stabilize();

    List<Message> toThree = net.delivered(m -> m.getFrom() == 1 && m.getTo() == 3
        && (m.getType() == MSG_APP || m.getType() == MSG_TIMEOUT_NOW));
    assertThat(toThree).extracting(Message::getType).endsWith(MSG_APP, MSG_TIMEOUT_NOW);
    assertThat(net.node(3).state()).isEqualTo(StateType.LEADER);
    assertThat(net.node(3).appliedData()).contains(bytes("missed by 3"));
  }

  /** §3.10: "The prior leader stops accepting new client requests." */
  @Test
  void leaderRefusesProposalsWhileTransferring() {
    Network net = pendingTransferToThree();

    assertThatThrownBy(() -> net.node(1).raw.propose(bytes("during transfer")))
        .isInstanceOfSatisfying(ProposalDroppedException.class,
            e -> assertThat(e.leaderHint()).isEqualTo(1));
  }

  /**
   * §3.10: "If the transfer does not complete within about an election timeout, the prior leader
   * aborts the transfer and resumes accepting client requests."
   */
  @Test
  void transferIsAbortedAfterAnElectionTimeout() {
    Network net = pendingTransferToThree();

    net.tick(1, ELECTION_TICK);
    net.propose(1, "after abort");

    assertThat(net.node(1).raw.status().leadTransferee()).isZero();
    assertThat(net.node(1).state()).isEqualTo(StateType.LEADER);
    assertThat(net.node(2).appliedData()).contains(bytes("after abort"));
  }

  /** Leader 1, transferring to member 3, which lags and cannot be reached. */
  private static Network pendingTransferToThree() {
    Network net = productionCluster();
    net.campaign(1);
    net.isolate(3);
    net.propose(1, "missed by 3");
    net.node(1).raw.transferLeader(3);
    net.stabilize();
    assertThat(net.node(1).raw.status().leadTransferee()).isEqualTo(3);
    return net;
  }

  private static Network productionCluster() {
    return Network.create(3, c -> c.withFeatures(true, true));
  }
}
