package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.ofType;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_APP_RESP;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE_RESP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Message;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Safety, §5.4 of the Raft paper: the election restriction and commitment rules. */
class PaperSafetyTest {

  /**
   * §5.4.1: "The RequestVote RPC implements this restriction: the RPC includes information about
   * the candidate's log, and the voter denies its vote if its own log is more up-to-date than
   * that of the candidate."
   */
  @ParameterizedTest(name = "log {0} -> campaign at term {1}")
  @MethodSource("candidateLogs")
  void voteRequestCarriesIndexAndTermOfCandidatesLastEntry(List<Entry> log, long campaignTerm) {
    TestNode n = TestNode.paper(1, 1, 2, 3);
    n.step(msg(MSG_APP, 2, 1, campaignTerm - 1).setIndex(0).setLogTerm(0).addAllEntries(log));

    List<Message> votes = List.of();
    for (int i = 0; i < 2 * ELECTION_TICK && votes.isEmpty(); i++) {
      votes = ofType(n.tick(1), MSG_VOTE);
    }

    Entry last = log.get(log.size() - 1);
    assertThat(votes).extracting(Message::getTo, Message::getTerm, Message::getIndex, Message::getLogTerm)
        .containsExactly(
            tuple(2L, campaignTerm, last.getIndex(), last.getTerm()),
            tuple(3L, campaignTerm, last.getIndex(), last.getTerm()));
  }

  static Stream<Arguments> candidateLogs() {
    return Stream.of(
        Arguments.of(entries(1, 1), 2L),
        Arguments.of(entries(1, 1, 2), 3L));
  }

  /**
   * §5.4.1: "Raft determines which of two logs is more up-to-date by comparing the index and term
   * of the last entries in the logs. If the logs have last entries with different terms, then the
   * log with the later term is more up-to-date. If the logs end with the same term, then
   * whichever log is longer is more up-to-date."
   */
  @ParameterizedTest(name = "voter log terms {0}, candidate last ({2}, {1}) -> reject {3}")
  @CsvSource({
      // Same last term: the longer log wins.
      "'1',   1, 1, false",
      "'1',   1, 2, false",
      "'1 1', 1, 1, true",
      // The candidate's last term is later.
      "'1',   2, 1, false",
      "'1',   2, 2, false",
      "'1 1', 2, 1, false",
      // The voter's last term is later.
      "'2',   1, 1, true",
      "'2',   1, 2, true",
      "'2 1', 1, 1, true"})
  void voterGrantsOnlyToCandidateWithLogAtLeastAsUpToDate(
      String voterTerms, long lastTerm, long lastIndex, boolean reject) {
    long[] terms = Stream.of(voterTerms.split(" ")).mapToLong(Long::parseLong).toArray();
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, terms), hardState(2, 0, 0), 1, 2));

    List<Message> out = n.step(msg(MSG_VOTE, 2, 1, 3).setIndex(lastIndex).setLogTerm(lastTerm));

    assertThat(out).extracting(Message::getType, Message::getTo, Message::getReject)
        .containsExactly(tuple(MSG_VOTE_RESP, 2L, reject));
  }

  /**
   * §5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log
   * entries from the leader's current term are committed by counting replicas; once an entry
   * from the current term has been committed in this way, then all prior entries are committed
   * indirectly because of the Log Matching Property."
   */
  @ParameterizedTest(name = "follower acks {0} -> commit {1}")
  @CsvSource({"1, 0", "2, 0", "3, 3"})
  void leaderCommitsByCountingReplicasOnlyEntriesOfItsTerm(long acked, long committed) {
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, 1, 2), hardState(2, 0, 0), 1, 2, 3));
    n.winElection(2, 3);
    assertThat(n.term()).isEqualTo(3);

    n.step(msg(MSG_APP_RESP, 2, 1, 3).setIndex(acked));

    assertThat(n.committed()).isEqualTo(committed);
  }
}
