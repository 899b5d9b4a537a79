package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.pb.MessageType.MSG_PROP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * §5.1: "The leader handles all client requests (if a client contacts a follower, the follower
 * redirects it to the leader)."
 */
class ProposalTest {

  /** §5.1: the follower passes the request on to the leader, which replicates it. */
  @Test
  void followerForwardsProposalToLeader() {
    Network net = Network.paper(3);
    net.campaign(1);

    net.propose(2, "via follower");

    assertThat(net.delivered(MSG_PROP, 2, 1)).hasSize(1);
    for (long id : Fixtures.ids(3)) {
      assertThat(net.node(id).appliedData()).containsExactly(bytes("via follower"));
    }
  }

  /**
   * §8: "If the client's first choice is not the leader, that server will reject the client's
   * request and supply information about the most recent leader it has heard from".
   */
  @Test
  void followerWithForwardingDisabledRefusesProposalNamingTheLeader() {
    Network net = Network.create(3, c -> c.withProposalForwardingDisabled(true));
    net.campaign(1);

    assertThatThrownBy(() -> net.node(2).raw.propose(bytes("refused")))
        .isInstanceOfSatisfying(ProposalDroppedException.class,
            e -> assertThat(e.leaderHint()).isEqualTo(1));
    net.stabilize();
    assertThat(net.delivered(m -> m.getType() == MSG_PROP)).isEmpty();
  }

  /** §8: with no leader heard of, the refusal names none. */
  @Test
  void memberWithoutLeaderRefusesProposalWithoutHint() {
    TestNode n = TestNode.paper(1, 1, 2, 3);

    assertThatThrownBy(() -> n.raw.propose(bytes("refused")))
        .isInstanceOfSatisfying(ProposalDroppedException.class,
            e -> assertThat(e.leaderHint()).isZero());
  }
}
