package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_APP_RESP;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * §5.3: "If desired, the protocol can be optimized to reduce the number of rejected
 * AppendEntries RPCs. For example, when rejecting an AppendEntries request, the follower can
 * include the term of the conflicting entry and the first index it stores for that term. With
 * this information, the leader can decrement nextIndex to bypass all of the conflicting entries
 * in that term; one AppendEntries RPC will be required for each term with conflicting entries,
 * rather than one RPC per entry."
 */
class FastBacktrackingTest {
  private static final int ENTRIES_PER_TERM = 50;

  /** Rejections are bounded by the number of divergent terms, not entries. */
  @ParameterizedTest(name = "leader terms {0}, follower terms {1}")
  @MethodSource("divergentLogs")
  void longDivergentFollowerLogIsRepairedInOneRejectionPerDivergentTerm(
      List<Long> leaderTerms, List<Long> followerTerms) {
    List<Entry> leaderLog = log(leaderTerms);
    List<Entry> followerLog = log(followerTerms);
    long leaderTerm = Collections.max(leaderTerms);
    HardState hs = hardState(leaderTerm, 0, 1);
    TestNode leader = new TestNode(paperConfig(1), storage(leaderLog, hs, 1, 2, 3));
    TestNode follower = new TestNode(paperConfig(2), storage(followerLog, hs, 1, 2, 3));
    TestNode third = new TestNode(paperConfig(3), storage(leaderLog, hs, 1, 2, 3));
    Network net = Network.of(leader, follower, third);

    net.campaign(1);

    long divergentTerms = followerTerms.stream().distinct().filter(t -> t != 1).count();
    long rejections = net.delivered(m -> m.getType() == MSG_APP_RESP && m.getFrom() == 2
        && m.getReject()).size();
    assertThat(leader.state()).isEqualTo(StateType.LEADER);
    assertThat(follower.log()).isEqualTo(leader.log());
    assertThat(rejections).isPositive().isLessThanOrEqualTo(divergentTerms);
  }

  static Stream<Arguments> divergentLogs() {
    return Stream.of(
        // The follower holds a long tail of terms the leader never saw.
        Arguments.of(List.of(3L, 5L), List.of(2L, 4L)),
        Arguments.of(List.of(6L), List.of(2L, 3L, 4L, 5L)),
        // The follower is shorter, with entries of older terms interleaved with the leader's.
        Arguments.of(List.of(2L, 4L, 6L, 8L), List.of(2L, 3L, 5L)));
  }

  /** Index 1 of term 1, then {@value #ENTRIES_PER_TERM} entries of each given term. */
  private static List<Entry> log(List<Long> terms) {
    List<Long> all = new ArrayList<>(List.of(1L));
    for (long t : terms) {
      all.addAll(Collections.nCopies(ENTRIES_PER_TERM, t));
    }
    return entries(1, all.stream().mapToLong(Long::longValue).toArray());
  }
}
