package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.snapshot;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_APP_RESP;
import static io.kvstore.raft.pb.MessageType.MSG_SNAP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvstore.raft.pb.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot, §7 of the Raft paper. */
class SnapshotTest {

  /**
   * §7: "Although servers normally take snapshots independently, the leader must occasionally
   * send snapshots to followers that lag behind. This happens when the leader has already
   * discarded the next log entry that it needs to send to a follower."
   */
  @Test
  void laggingFollowerInstallsSnapshotThenCatchesUpByAppends() {
    Network net = Network.paper(3);
    net.campaign(1);
    net.isolate(3);
    for (int i = 0; i < 10; i++) {
      net.propose(1, "entry " + i);
    }
    TestNode leader = net.node(1);
    long snapIndex = leader.raw.status().applied();
    leader.storage.createSnapshot(snapIndex, leader.raw.status().confState(), bytes("state"));
    leader.storage.compact(snapIndex);

    net.heal();
    net.forgetDelivered();
    net.tick(1, 1);
    net.propose(1, "after the snapshot");

    TestNode follower = net.node(3);
    List<Message> toFollower = net.delivered(m -> m.getFrom() == 1 && m.getTo() == 3
        && (m.getType() == MSG_SNAP || m.getType() == MSG_APP));
    assertThat(toFollower).extracting(Message::getType).containsOnlyOnce(MSG_SNAP).endsWith(MSG_APP);
    assertThat(follower.storage.snapshot().getMetadata().getIndex()).isEqualTo(snapIndex);
    assertThat(follower.log()).isEqualTo(leader.log());
    assertThat(follower.committed()).isEqualTo(leader.committed());
    assertThat(follower.appliedData()).containsExactly(bytes("after the snapshot"));
  }

  /**
   * §7: "If instead the follower receives a snapshot that describes a prefix of its log (due to
   * retransmission or by mistake), then log entries covered by the snapshot are deleted but
   * entries following the snapshot are still valid and must be retained." Here the follower
   * keeps its whole log and only learns that the prefix is committed.
   */
  @Test
  void snapshotOfALogPrefixKeepsTheFollowingEntries() {
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, 1, 1, 1, 1, 1), hardState(1, 0, 2), 1, 2));

    List<Message> out = n.step(msg(MSG_SNAP, 2, 1, 1).setSnapshot(snapshot(4, 1, 1, 2)));

    assertThat(out).extracting(Message::getType, Message::getIndex).containsExactly(tuple(MSG_APP_RESP, 4L));
    assertThat(n.committed()).isEqualTo(4);
    assertThat(n.log()).isEqualTo(entries(1, 1, 1, 1, 1, 1));
    assertThat(n.storage.snapshot().getMetadata().getIndex()).isZero();
  }

  /** §7: a snapshot older than what the follower already committed is not installed. */
  @Test
  void staleSnapshotIsIgnored() {
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, 1, 1, 1, 1, 1), hardState(1, 0, 5), 1, 2));

    List<Message> out = n.step(msg(MSG_SNAP, 2, 1, 1).setSnapshot(snapshot(3, 1, 1, 2)));

    assertThat(out).extracting(Message::getType, Message::getIndex).containsExactly(tuple(MSG_APP_RESP, 5L));
    assertThat(n.log()).isEqualTo(entries(1, 1, 1, 1, 1, 1));
    assertThat(n.storage.snapshot().getMetadata().getIndex()).isZero();
  }
}
