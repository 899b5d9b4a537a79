package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_HEARTBEAT;
import static io.kvstore.raft.pb.MessageType.MSG_HEARTBEAT_RESP;
import static io.kvstore.raft.pb.MessageType.MSG_READ_INDEX;
import static io.kvstore.raft.pb.MessageType.MSG_READ_INDEX_RESP;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Message;
import org.junit.jupiter.api.Test;

/** Linearizable reads with ReadIndex, §6.4 of Ongaro's thesis (pre-vote and check-quorum on). */
class ReadIndexTest {
  private static final ByteString CTX = bytes("read-1");

  /**
   * §6.4: "The leader needs to make sure it hasn't been superseded by a newer leader of which it
   * is unaware." A single voter is a majority by itself: the read is confirmed at once, with no
   * heartbeat round.
   */
  @Test
  void singleVoterConfirmsReadImmediately() {
    Network net = cluster(1);
    net.campaign(1);
    net.forgetDelivered();

    net.node(1).raw.readIndex(CTX);
    net.stabilize();

    assertThat(net.node(1).readStates).containsExactly(new ReadState(1, CTX));
    assertThat(net.delivered(m -> true)).isEmpty();
  }

  /**
   * §6.4: "The leader saves its current commit index in a local variable readIndex." and "It
   * issues a new round of heartbeats and waits for their acknowledgments from a majority of the
   * cluster. Once these acknowledgments are received, the leader knows that there could not have
   * existed a leader for a greater term at the moment it sent the heartbeats."
   */
  @Test
  void readIsConfirmedOnlyAfterMajorityAcksAHeartbeatRound() {
    Network net = cluster(3);
    net.campaign(1);
    net.drop(m -> m.getType() == MSG_HEARTBEAT_RESP);

    net.node(1).raw.readIndex(CTX);
    net.stabilize();
    assertThat(net.node(1).readStates).isEmpty();
    assertThat(net.delivered(MSG_HEARTBEAT, 1, 2)).extracting(Message::getContext).containsExactly(CTX);

    net.heal();
    net.tick(1, 1);

    assertThat(net.node(1).readStates).containsExactly(new ReadState(1, CTX));
  }

  /** §6.4: acknowledgments "from a majority of the cluster" suffice; a minority may be down. */
  @Test
  void readIsConfirmedWithOneFollowerDown() {
    Network net = cluster(3);
    net.campaign(1);
    net.isolate(3);

    net.node(1).raw.readIndex(CTX);
    net.stabilize();

    assertThat(net.node(1).readStates).containsExactly(new ReadState(1, CTX));
  }

  /**
   * §6.4: "Followers could also help offload the processing of read-only queries. ... the
   * follower could issue a request to the leader that just asked for a current readIndex".
   */
  @Test
  void followerReadIsForwardedToTheLeaderAndAnsweredWithItsReadIndex() {
    Network net = cluster(3);
    net.campaign(1);

    net.node(2).raw.readIndex(CTX);
    net.stabilize();

    assertThat(net.delivered(MSG_READ_INDEX, 2, 1)).hasSize(1);
    assertThat(net.delivered(MSG_READ_INDEX_RESP, 1, 2)).hasSize(1);
    assertThat(net.node(2).readStates).containsExactly(new ReadState(1, CTX));
    assertThat(net.node(1).readStates).isEmpty();
  }

  /**
   * §6.4: "If the leader has not yet marked an entry from its current term committed, it waits
   * until it has done so."
   */
  @Test
  void readWaitsUntilLeaderCommitsAnEntryOfItsTerm() {
    Network net = cluster(3);
    net.drop(m -> m.getType() == MSG_APP);
    net.campaign(1);
    assertThat(net.node(1).committed()).isZero();

    net.node(1).raw.readIndex(CTX);
    net.tick(1, 3);
    assertThat(net.node(1).readStates).isEmpty();

    net.heal();
    net.tick(1, 1);

    assertThat(net.node(1).committed()).isEqualTo(1);
    assertThat(net.node(1).readStates).containsExactly(new ReadState(1, CTX));
  }

  private static Network cluster(int size) {
    return Network.create(size, c -> c.withFeatures(true, true));
  }
}
