package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.entry;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.ids;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_APP_RESP;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE_RESP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Log replication, §5.3 of the Raft paper, on the plain algorithm. */
class PaperReplicationTest {

  /**
   * §5.3: "The leader appends the command to its log as a new entry, then issues AppendEntries
   * RPCs in parallel to each of the other servers to replicate the entry."
   */
  @Test
  void leaderAppendsProposalAndReplicatesItToEveryFollower() {
    TestNode n = leaderWithCommittedEmptyEntry(3);

    List<Message> out = n.propose("some data");

    assertThat(n.log()).containsExactly(entry(1, 1), entry(2, 1, "some data"));
    assertThat(out)
        .extracting(Message::getType, Message::getTo, Message::getIndex, Message::getLogTerm,
            Message::getCommit, Message::getEntriesList)
        .containsExactly(
            tuple(MSG_APP, 2L, 1L, 1L, 1L, List.of(entry(2, 1, "some data"))),
            tuple(MSG_APP, 3L, 1L, 1L, 1L, List.of(entry(2, 1, "some data"))));
  }

  /**
   * §5.3: "When the entry has been safely replicated (as described below), the leader applies the
   * entry to its state machine and returns the result of that execution to the client."
   */
  @Test
  void leaderAppliesEntryOnceSafelyReplicated() {
    TestNode n = leaderWithCommittedEmptyEntry(3);
    n.propose("some data");
    assertThat(n.applied).doesNotContain(entry(2, 1, "some data"));

    n.step(msg(MSG_APP_RESP, 2, 1, 1).setIndex(2));

    assertThat(n.committed()).isEqualTo(2);
    assertThat(n.applied).endsWith(entry(2, 1, "some data"));
  }

  /**
   * §5.3: "The leader keeps track of the highest index it knows to be committed, and it includes
   * that index in future AppendEntries RPCs". As soon as a majority acks, the new commit index is
   * sent to every follower.
   */
  @Test
  void leaderSendsNewCommitIndexToFollowersOnceMajorityAcks() {
    TestNode n = leaderWithCommittedEmptyEntry(3);
    n.propose("some data");

    List<Message> out = n.step(msg(MSG_APP_RESP, 2, 1, 1).setIndex(2));

    assertThat(n.committed()).isEqualTo(2);
    assertThat(out).extracting(Message::getType, Message::getTo, Message::getCommit)
        .containsExactly(tuple(MSG_APP, 2L, 2L), tuple(MSG_APP, 3L, 2L));
  }

  /**
   * §5.3: "A log entry is committed once the leader that created the entry has replicated it on a
   * majority of the servers."
   */
  @ParameterizedTest(name = "{0} voters, acked by {1} -> committed {2}")
  @MethodSource("acknowledgements")
  void entryCommitsOnceReplicatedOnMajority(int size, List<Long> ackers, boolean committed) {
    TestNode n = leaderWithCommittedEmptyEntry(size);
    n.propose("some data");

    for (long from : ackers) {
      n.step(msg(MSG_APP_RESP, from, 1, 1).setIndex(2));
    }

    assertThat(n.committed() == 2).isEqualTo(committed);
  }

  static Stream<Arguments> acknowledgements() {
    return Stream.of(
        Arguments.of(1, List.of(), true),
        Arguments.of(3, List.of(), false),
        Arguments.of(3, List.of(2L), true),
        Arguments.of(3, List.of(2L, 3L), true),
        Arguments.of(5, List.of(), false),
        Arguments.of(5, List.of(2L), false),
        Arguments.of(5, List.of(2L, 3L), true),
        Arguments.of(5, List.of(2L, 3L, 4L), true),
        Arguments.of(5, List.of(2L, 3L, 4L, 5L), true));
  }

  /**
   * §5.3: "This also commits all preceding entries in the leader's log, including entries created
   * by previous leaders."
   */
  @ParameterizedTest
  @MethodSource("previousLogs")
  void committingAnEntryCommitsAllPrecedingEntries(List<Entry> previous) {
    TestNode n = new TestNode(paperConfig(1), storage(previous, hardState(2, 0, 0), 1, 2, 3));
    n.winElection(2, 3);
    n.propose("some data");
    long last = previous.size() + 2;

    n.step(msg(MSG_APP_RESP, 2, 1, 3).setIndex(last));
    n.step(msg(MSG_APP_RESP, 3, 1, 3).setIndex(last));

    List<Entry> expected = new ArrayList<>(previous);
    expected.add(entry(last - 1, 3));
    expected.add(entry(last, 3, "some data"));
    assertThat(n.applied).containsExactlyElementsOf(expected);
  }

  static Stream<List<Entry>> previousLogs() {
    return Stream.of(List.of(), entries(1, 2), entries(1, 1, 2), entries(1, 1));
  }

  /**
   * §5.3: "Once a follower learns that a log entry is committed, it applies the entry to its
   * local state machine (in log order)."
   */
  @ParameterizedTest(name = "leader commit {1}")
  @MethodSource("followerCommits")
  void followerAppliesEntriesUpToLeaderCommitInLogOrder(List<Entry> sent, long commit) {
    TestNode n = new TestNode(paperConfig(1), storage(List.of(), hardState(1, 0, 0), 1, 2, 3));

    n.step(msg(MSG_APP, 2, 1, 1).setIndex(0).setLogTerm(0).setCommit(commit).addAllEntries(sent));

    assertThat(n.committed()).isEqualTo(commit);
    assertThat(n.applied).containsExactlyElementsOf(sent.subList(0, (int) commit));
  }

  static Stream<Arguments> followerCommits() {
    List<Entry> two = List.of(entry(1, 1, "some data"), entry(2, 1, "some data2"));
    return Stream.of(
        Arguments.of(List.of(entry(1, 1, "some data")), 1L),
        Arguments.of(two, 2L),
        Arguments.of(List.of(entry(1, 1, "some data2"), entry(2, 1, "some data")), 2L),
        Arguments.of(two, 1L));
  }

  /**
   * §5.3: "When sending an AppendEntries RPC, the leader includes the index and term of the entry
   * in its log that immediately precedes the new entries. If the follower does not find an entry
   * in its log with the same index and term, then it refuses the new entries." A refusal carries
   * a hint: the follower's last index at or below the probe whose term is at most the probe's.
   */
  @ParameterizedTest(name = "prev ({0}, {1}) -> index {2} reject {3} hint ({4}, {5})")
  @MethodSource("consistencyChecks")
  void followerRefusesEntriesUnlessItHasTheMatchingPrecedingEntry(
      long prevIndex, long prevTerm, long index, boolean reject, long hint, long hintTerm) {
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, 1, 2), hardState(2, 0, 1), 1, 2, 3));

    List<Message> out = n.step(msg(MSG_APP, 2, 1, 2).setIndex(prevIndex).setLogTerm(prevTerm).setCommit(1));

    assertThat(out)
        .extracting(Message::getType, Message::getIndex, Message::getReject,
            Message::getRejectHint, Message::getLogTerm)
        .containsExactly(tuple(MSG_APP_RESP, index, reject, hint, hintTerm));
  }

  static Stream<Arguments> consistencyChecks() {
    return Stream.of(
        // Matches a committed entry.
        Arguments.of(0L, 0L, 1L, false, 0L, 0L),
        Arguments.of(1L, 1L, 1L, false, 0L, 0L),
        // Matches an uncommitted entry.
        Arguments.of(2L, 2L, 2L, false, 0L, 0L),
        // The entry exists with another term.
        Arguments.of(2L, 1L, 2L, true, 1L, 1L),
        // The entry does not exist.
        Arguments.of(3L, 3L, 3L, true, 2L, 2L));
  }

  /**
   * §5.3 (AppendEntries receiver, Figure 2): "If an existing entry conflicts with a new one (same
   * index but different terms), delete the existing entry and all that follow it" and "Append any
   * new entries not already in the log".
   */
  @ParameterizedTest(name = "after ({0}, {1}) append {2}")
  @MethodSource("appends")
  void followerDeletesConflictingSuffixAndAppendsNewEntries(
      long prevIndex, long prevTerm, List<Entry> sent, List<Entry> log, List<Entry> written) {
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, 1, 2), hardState(2, 0, 0), 1, 2, 3));

    n.raw.step(msg(MSG_APP, 2, 1, 4).setIndex(prevIndex).setLogTerm(prevTerm).addAllEntries(sent).build());
    Ready rd = n.raw.ready();
    n.handle(rd);

    assertThat(rd.entries()).containsExactlyElementsOf(written);
    assertThat(n.log()).containsExactlyElementsOf(log);
  }

  static Stream<Arguments> appends() {
    return Stream.of(
        Arguments.of(2L, 2L, entries(3, 3), entries(1, 1, 2, 3), entries(3, 3)),
        Arguments.of(1L, 1L, entries(2, 3, 4), entries(1, 1, 3, 4), entries(2, 3, 4)),
        Arguments.of(0L, 0L, entries(1, 1), entries(1, 1, 2), List.of()),
        Arguments.of(0L, 0L, entries(1, 3), entries(1, 3), entries(1, 3)));
  }

  /**
   * §5.3: "In Raft, the leader handles inconsistencies by forcing the followers' logs to duplicate
   * its own. This means that conflicting entries in follower logs will be overwritten with entries
   * from the leader's log." The follower logs (a)–(f) of Figure 7.
   */
  @ParameterizedTest(name = "figure 7 ({index})")
  @MethodSource("figureSeven")
  void leaderBringsEveryFigureSevenFollowerLogInLineWithItsOwn(List<Entry> followerLog) {
    List<Entry> leaderLog = entries(1, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
    TestNode leader = new TestNode(paperConfig(1), storage(leaderLog, hardState(8, 0, 10), 1, 2, 3));
    TestNode follower = new TestNode(paperConfig(2), storage(followerLog, hardState(7, 0, 0), 1, 2, 3));
    Network net = Network.of(leader, follower);

    net.campaign(1);
    leader.raw.step(msg(MSG_VOTE_RESP, 3, 1, 9).build());
    net.stabilize();
    net.propose(1, "");

    assertThat(leader.state()).isEqualTo(StateType.LEADER);
    assertThat(follower.log()).isEqualTo(leader.log());
    assertThat(follower.committed()).isEqualTo(leader.committed()).isEqualTo(12);
  }

  static Stream<List<Entry>> figureSeven() {
    return Stream.of(
        entries(1, 1, 1, 1, 4, 4, 5, 5, 6, 6),
        entries(1, 1, 1, 1, 4),
        entries(1, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6),
        entries(1, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),
        entries(1, 1, 1, 1, 4, 4, 4, 4),
        entries(1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));
  }

  /** A leader of members 1..size at term 1 whose empty first entry is committed. */
  private static TestNode leaderWithCommittedEmptyEntry(int size) {
    TestNode n = TestNode.paper(1, ids(size));
    long[] others = LongStream.rangeClosed(2, size).toArray();
    n.winElection(others);
    for (long from : others) {
      n.step(msg(MSG_APP_RESP, from, 1, 1).setIndex(1));
    }
    assertThat(n.committed()).isEqualTo(1);
    return n;
  }
}
