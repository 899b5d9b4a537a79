package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_APP_RESP;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Message;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Batching and pipelining of appends. Thesis §10.2.2: "Raft supports batching and pipelining of
 * log entries, which are both important for best performance."
 */
class FlowControlTest {
  private static final int MB = 1024 * 1024;

  /** Batching: one append carries as many entries as fit in maxSizePerMsg, and at least one. */
  @Test
  void appendsAreSplitAtMaxSizePerMsg() {
    long maxSize = 300;
    Network net = Network.create(3, c -> c.withLimits(maxSize, 256));
    net.campaign(1);
    ByteString payload = ByteString.copyFrom(new byte[100]);

    net.node(1).raw.proposeBatch(Collections.nCopies(10, payload));
    net.stabilize();

    List<Message> apps = net.delivered(m -> m.getType() == MSG_APP && m.getTo() == 2
        && m.getEntriesCount() > 0 && m.getEntries(0).getData().equals(payload));
    assertThat(apps).hasSize(5).allSatisfy(
        m -> assertThat(Entries.totalSize(m.getEntriesList())).isLessThanOrEqualTo(maxSize));
    assertThat(net.node(2).log()).isEqualTo(net.node(1).log());
  }

  /**
   * Pipelining: in REPLICATE the leader sends appends without waiting for answers, up to
   * maxInflightMsgs outstanding; each acknowledgement frees the window for more.
   */
  @Test
  void replicatingLeaderKeepsUpToMaxInflightAppendsOutstanding() {
    TestNode n = new TestNode(paperConfig(1).withLimits(MB, 3), MemoryStorage.withVoters(1, 2, 3));
    n.winElection(2, 3);
    n.step(msg(MSG_APP_RESP, 2, 1, 1).setIndex(1));
    n.step(msg(MSG_APP_RESP, 3, 1, 1).setIndex(1));

    List<Message> toTwo = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      toTwo.addAll(appendsTo(2, n.propose("e" + i)));
    }
    assertThat(toTwo).extracting(FlowControlTest::indexes)
        .containsExactly(List.of(2L), List.of(3L), List.of(4L));

    List<Message> afterAck = appendsTo(2, n.step(msg(MSG_APP_RESP, 2, 1, 1).setIndex(2)));

    assertThat(afterAck).extracting(FlowControlTest::indexes).containsExactly(List.of(5L, 6L));
    assertThat(appendsTo(2, n.propose("e5"))).isEmpty();
  }

  /**
   * §5.3: "If followers crash or run slowly, or if network packets are lost, the leader retries
   * AppendEntries RPCs indefinitely (even after it has responded to the client) until all
   * followers eventually store all log entries." Even when every append of a full inflight
   * window was lost, heartbeat responses restart replication.
   */
  @Test
  void replicationRecoversWhenEveryAppendOfAFullWindowWasLost() {
    Network net = Network.create(3, c -> c.withLimits(MB, 2));
    net.campaign(1);
    net.drop(m -> m.getType() == MSG_APP && m.getTo() == 2);
    for (int i = 0; i < 3; i++) {
      net.propose(1, "lost " + i);
    }

    net.heal();
    net.tick(1, 1);

    assertThat(net.node(2).log()).isEqualTo(net.node(1).log());
    assertThat(net.node(2).appliedData())
        .containsExactly(bytes("lost 0"), bytes("lost 1"), bytes("lost 2"));
  }

  private static List<Message> appendsTo(long to, List<Message> msgs) {
    return msgs.stream().filter(m -> m.getType() == MSG_APP && m.getTo() == to).toList();
  }

  private static List<Long> indexes(Message m) {
    return m.getEntriesList().stream().map(Entry::getIndex).toList();
  }
}
