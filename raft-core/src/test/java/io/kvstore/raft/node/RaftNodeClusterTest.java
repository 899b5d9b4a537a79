package io.kvstore.raft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kvstore.raft.core.ProposalDroppedException;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.MemberContext;
import io.kvstore.raft.pb.MessageType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clusters of {@link RaftNode}s on loopback, each member with its own RocksDB log, snapshot
 * directory, Netty transport and durable {@link TestKvStateMachine}.
 */
class RaftNodeClusterTest {
  private static final Duration FAST = Duration.ofSeconds(1);

  @TempDir
  Path dir;

  private ClusterFixture cluster;
  private final Map<String, String> expected = new TreeMap<>();

  @AfterEach
  void closeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void threeMembersElectOneLeaderAndApplyEveryProposalIdentically() throws IOException {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember leader = cluster.leader();
    ClusterFixture.await(() -> cluster.running().stream()
        .allMatch(m -> m.node().status().leaderId() == leader.id), "all to follow " + leader.id);
    assertThat(cluster.running()).filteredOn(m -> m.node().status().isLeader())
        .extracting(m -> m.id).containsExactly(leader.id);

    putAll("key-", 0, 200);
    assertThat(cluster.put("key-0", "again")).as("previous value").isEqualTo("value-0");
    expected.put("key-0", "again");

    cluster.awaitContents(expected);
  }

  @Test
  void aLongApplyOnTheLeaderDoesNotStopItsHeartbeats() throws IOException {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember leader = cluster.leader();
    long term = leader.node().status().term();
    long electionTimeoutMs = leader.config().tickInterval()
        .multipliedBy(leader.config().electionTicks()).toMillis();

    leader.stateMachine().stallNextApply(10 * electionTimeoutMs);
    assertThat(cluster.put("slow", "1")).isNull();
    expected.put("slow", "1");
    putAll("after-", 0, 5);

    assertThat(cluster.leader().id).as("leader after the stall").isEqualTo(leader.id);
    assertThat(leader.node().status().term()).as("term after the stall").isEqualTo(term);
    cluster.awaitContents(expected);
  }

  @Test
  void proposalsAreRefusedWhileTooManyCommittedEntriesWaitToBeApplied() throws Exception {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember leader = cluster.leader();
    leader.stateMachine().stallNextApply(60_000);
    leader.node().submit(TestKvStateMachine.put("stalled", "x")).get(10, TimeUnit.SECONDS);
    int submitted = 0;
    while (leader.node().status().commitIndex() - leader.node().status().appliedIndex()
        <= RaftNode.MAX_UNAPPLIED_ENTRIES) {
      for (int i = 0; i < 500; i++) {
        leader.node().submit(TestKvStateMachine.put("k" + submitted++, "v"));
      }
      assertThat(submitted).as("entries submitted").isLessThan(20_000);
      Thread.sleep(20);
    }

    assertThatThrownBy(() -> leader.node().propose(TestKvStateMachine.put("one-more", "v"))
        .get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TooManyRequestsException.class)
        .hasMessageContaining("too many requests");
    leader.stateMachine().endStall();
    ClusterFixture.await(() -> leader.node().status().appliedIndex()
        >= leader.node().status().commitIndex(), "the leader to catch up after the stall");
  }

  @Test
  void aReadIndexRequestLostOnTheWayToTheLeaderIsSentAgain() throws Exception {
    cluster = ClusterFixture.start(dir, 3);
    putAll("k", 0, 3);
    ClusterMember follower = cluster.follower();
    AtomicInteger dropped = new AtomicInteger();
    follower.transport().dropWhen(m -> m.getType() == MessageType.MSG_READ_INDEX
        && dropped.getAndIncrement() == 0);

    long index = follower.node().readIndex().get(5, TimeUnit.SECONDS);

    assertThat(dropped.get()).as("read index requests sent").isEqualTo(2);
    assertThat(index).isGreaterThanOrEqualTo(cluster.leader().node().status().commitIndex() - 1);
  }

  @Test
  void aLeaderOnlySubmissionOnAFollowerIsRefusedAndNeverForwarded() throws Exception {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember follower = cluster.follower();

    assertThatThrownBy(() -> follower.node()
        .submitAsLeader(TestKvStateMachine.put("stale", "decision")).get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ProposalDroppedException.class);

    putAll("after-", 0, 3);
    cluster.awaitContents(expected);
    assertThat(cluster.leader().stateMachine().get("stale")).isNull();
    ClusterMember leader = cluster.leader();
    leader.node().submitAsLeader(TestKvStateMachine.put("fresh", "decision"))
        .get(10, TimeUnit.SECONDS);
    expected.put("fresh", "decision");
    cluster.awaitContents(expected);
  }

  @Test
  void aNewLeaderTakesOverAndTheOldOneCatchesUpByLog() throws IOException {
    cluster = ClusterFixture.start(dir, 3);
    putAll("before-", 0, 20);
    ClusterMember old = cluster.leader();
    long oldTerm = old.node().status().term();

    cluster.stop(old.id);
    ClusterMember next = cluster.leader();
    assertThat(next.id).isNotEqualTo(old.id);
    assertThat(next.node().status().term()).isGreaterThan(oldTerm);
    putAll("after-", 0, 20);

    cluster.restart(old.id);
    cluster.awaitContents(expected);
    assertThat(old.stateMachine().restores()).isZero();
    assertThat(old.snapshots().latest()).isEmpty();
    assertThat(old.logStore().firstIndex()).isEqualTo(1);
  }

  @Test
  void aFollowerBehindTheCompactedLogCatchesUpBySnapshot() throws IOException {
    cluster = ClusterFixture.start(dir, 3, c -> c.withSnapshots(50, 10));
    putAll("before-", 0, 10);
    ClusterMember lagging = cluster.follower();
    long laggingLast = lagging.node().status().lastIndex();
    cluster.stop(lagging.id);

    putAll("while-down-", 0, 300);
    ClusterMember leader = cluster.leader();
    ClusterFixture.await(() -> leader.logStore().firstIndex() > laggingLast + 1,
        "the leader to compact its log past the stopped follower's last entry " + laggingLast);

    cluster.restart(lagging.id);
    cluster.awaitContents(expected);
    assertThat(lagging.stateMachine().restores()).isPositive();
    assertThat(lagging.logStore().snapshot().getMetadata().getIndex()).isGreaterThan(laggingLast);
    assertThat(lagging.logStore().firstIndex()).isGreaterThan(1);
  }

  @Test
  void fiveMembersTolerateTwoFailuresAndFailRequestsAfterAThird() throws IOException {
    Duration timeout = Duration.ofSeconds(2);
    cluster = ClusterFixture.start(dir, 5, c -> c.withRequestTimeout(timeout));
    putAll("all-up-", 0, 10);
    cluster.stop(cluster.leader().id);
    cluster.stop(cluster.follower().id);
    putAll("two-down-", 0, 20);
    cluster.awaitContents(expected);

    cluster.stop(cluster.follower().id);
    long t0 = System.nanoTime();
    List<CompletableFuture<Object>> writes = cluster.running().stream()
        .map(m -> m.node().propose(TestKvStateMachine.put("lost", "write"))).toList();
    for (CompletableFuture<Object> write : writes) {
      assertThat(failureOf(write, timeout.plusSeconds(3)))
          .isInstanceOfAny(RequestTimeoutException.class, ProposalDroppedException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(timeout.plusSeconds(1));
  }

  @Test
  void aProposalOnAFollowerFailsFastNamingTheLeader() throws IOException {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember leader = cluster.leader();
    ClusterMember follower = cluster.follower();
    ClusterFixture.await(() -> follower.node().status().leaderId() == leader.id,
        "member " + follower.id + " to follow " + leader.id);

    Throwable failure = failureOf(follower.node().propose(TestKvStateMachine.put("k", "v")), FAST);

    assertThat(failure).isInstanceOfSatisfying(ProposalDroppedException.class,
        e -> assertThat(e.leaderHint()).isEqualTo(leader.id));
  }

  @Test
  void aSubmissionOnAFollowerIsForwardedToTheLeaderAndAppliedEverywhere() throws Exception {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember leader = cluster.leader();
    ClusterMember follower = cluster.follower();
    ClusterFixture.await(() -> follower.node().status().leaderId() == leader.id,
        "member " + follower.id + " to follow " + leader.id);

    follower.node().submit(TestKvStateMachine.put("forwarded", "yes"))
        .get(ClusterFixture.WAIT.toMillis(), TimeUnit.MILLISECONDS);

    cluster.awaitContents(Map.of("forwarded", "yes"));
  }

  @Test
  void aReadIndexOnAFollowerCoversEveryAcknowledgedWrite() throws Exception {
    cluster = ClusterFixture.start(dir, 3);
    ClusterMember follower = cluster.follower();
    for (int i = 0; i < 20; i++) {
      String key = "read-" + i;
      cluster.put(key, "v" + i);
      long written = cluster.leader().stateMachine().putIndex(key);

      long readIndex = follower.node().readIndex()
          .get(ClusterFixture.WAIT.toMillis(), TimeUnit.MILLISECONDS);

      assertThat(readIndex).isGreaterThanOrEqualTo(written);
      assertThat(follower.stateMachine().get(key)).isEqualTo("v" + i);
    }
  }

  @Test
  void aMemberJoinsAsLearnerIsPromotedAndReplacesARemovedOne() throws IOException {
    cluster = ClusterFixture.start(dir, 3);
    putAll("initial-", 0, 10);

    ClusterMember joiner = cluster.join(4);
    cluster.submit(n -> n.proposeConfChange(
        addLearner(joiner.id, joiner.address())));
    putAll("with-learner-", 0, 10);
    cluster.awaitContents(expected);
    assertThat(cluster.leader().node().status().confState().getLearnersList())
        .containsExactly(joiner.id);

    cluster.submit(n -> n.proposeConfChange(change(ConfChangeType.CONF_CHANGE_PROMOTE_LEARNER,
        joiner.id)));
    ClusterFixture.await(() -> cluster.running().stream().allMatch(
        m -> m.node().status().confState().getVotersList().contains(joiner.id)),
        "every member to count " + joiner.id + " as a voter");
    putAll("promoted-", 0, 10);

    long leaderId = cluster.leader().id;
    List<ClusterMember> originalFollowers = cluster.running().stream()
        .filter(m -> m.id != leaderId && m.id != joiner.id).toList();
    ClusterMember removed = originalFollowers.get(0);
    cluster.submit(n -> n.proposeConfChange(change(ConfChangeType.CONF_CHANGE_REMOVE_NODE,
        removed.id)));
    cluster.stop(removed.id);
    putAll("after-removal-", 0, 10);

    // Of the voters {leader, other, joiner}, stop the other: writes now need the joiner's vote.
    cluster.stop(originalFollowers.get(1).id);
    putAll("joiner-in-quorum-", 0, 10);
    cluster.awaitContents(expected);
    assertThat(cluster.leader().node().status().confState().getVotersList())
        .containsExactlyInAnyOrder(leaderId, originalFollowers.get(1).id, joiner.id);
  }

  @Test
  void closeFailsPendingRequestsAndLaterOnesAtOnce() throws IOException {
    // Without check-quorum a leader left alone keeps leading, so its requests stay pending.
    cluster = ClusterFixture.start(dir, 3, c -> new RaftNodeConfig(c.id(), c.tickInterval(),
        c.electionTicks(), c.snapshotCount(), c.snapshotCatchUpEntries(), c.snapshotsRetained(),
        c.requestTimeout(), c.maxSizePerMsg(), c.maxInflightMsgs(), c.preVote(), false));
    putAll("before-", 0, 3);
    ClusterMember leader = cluster.leader();
    for (ClusterMember m : cluster.running()) {
      if (m.id != leader.id) {
        cluster.stop(m.id);
      }
    }
    RaftNode node = leader.node();
    long lastIndex = node.status().lastIndex();
    CompletableFuture<Object> write = node.propose(TestKvStateMachine.put("pending", "write"));
    CompletableFuture<Long> read = node.readIndex();
    ClusterFixture.await(() -> node.status().lastIndex() > lastIndex,
        "the leader to append the pending write");
    assertThat(write).isNotDone();
    assertThat(read).isNotDone();

    cluster.stop(leader.id);

    assertThat(failureOf(write, FAST)).isInstanceOf(NodeStoppedException.class);
    assertThat(failureOf(read, FAST)).isInstanceOf(NodeStoppedException.class);
    CompletableFuture<Object> late = node.propose(TestKvStateMachine.put("late", "write"));
    CompletableFuture<Long> lateRead = node.readIndex();
    assertThat(late).isCompletedExceptionally();
    assertThat(lateRead).isCompletedExceptionally();
    assertThat(failureOf(late, Duration.ZERO)).isInstanceOf(NodeStoppedException.class);
    assertThat(failureOf(lateRead, Duration.ZERO)).isInstanceOf(NodeStoppedException.class);
  }

  /** Puts {@code prefix + i = "value-" + i} for i in [from, to) and records them as expected. */
  private void putAll(String prefix, int from, int to) {
    for (int i = from; i < to; i++) {
      cluster.put(prefix + i, "value-" + i);
      expected.put(prefix + i, "value-" + i);
    }
  }

  /**
   * What {@code f} failed with, waiting at most {@code within}; fails the test if it succeeded or
   * was still pending.
   */
  private static Throwable failureOf(CompletableFuture<?> f, Duration within) {
    Throwable t = catchThrowable(() -> f.get(within.toMillis(), TimeUnit.MILLISECONDS));
    assertThat(t).as("how the request ended").isInstanceOf(ExecutionException.class);
    return t.getCause();
  }

  private static ConfChange addLearner(long id, InetSocketAddress address) {
    MemberContext context = MemberContext.newBuilder()
        .addPeerUrls("http://" + address.getHostString() + ":" + address.getPort()).build();
    return change(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, id).toBuilder()
        .setContext(context.toByteString()).build();
  }

  private static ConfChange change(ConfChangeType type, long id) {
    return ConfChange.newBuilder().setType(type).setNodeId(id).build();
  }
}
