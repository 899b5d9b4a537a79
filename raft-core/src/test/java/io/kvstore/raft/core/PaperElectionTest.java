package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.entry;
import static io.kvstore.raft.core.Fixtures.hardState;
import static io.kvstore.raft.core.Fixtures.ids;
import static io.kvstore.raft.core.Fixtures.msg;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.core.Fixtures.storage;
import static io.kvstore.raft.pb.MessageType.MSG_APP;
import static io.kvstore.raft.pb.MessageType.MSG_HEARTBEAT;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE;
import static io.kvstore.raft.pb.MessageType.MSG_VOTE_RESP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Leader election, §5.1 and §5.2 of the Raft paper, on the plain algorithm (no pre-vote). */
class PaperElectionTest {

  /**
   * §5.1: "Current terms are exchanged whenever servers communicate; if one server's current term
   * is smaller than the other's, then it updates its current term to the larger value. If a
   * candidate or leader discovers that its term is out of date, it immediately reverts to
   * follower state."
   */
  @ParameterizedTest
  @EnumSource(value = StateType.class, names = {"FOLLOWER", "CANDIDATE", "LEADER"})
  void serverAdoptsLargerTermAndRevertsToFollower(StateType role) {
    TestNode n = memberOfThreeAtTermOne(role);

    n.step(msg(MSG_APP, 2, 1, 2));

    assertThat(n.term()).isEqualTo(2);
    assertThat(n.state()).isEqualTo(StateType.FOLLOWER);
    assertThat(n.lead()).isEqualTo(2);
  }

  /**
   * §5.1: "If a candidate or leader discovers that its term is out of date, it immediately
   * reverts to follower state." A deposed leader learns the newer term from the new leader.
   */
  @Test
  void deposedLeaderRevertsToFollowerWhenItHearsTheNewLeader() {
    Network net = Network.paper(3);
    net.campaign(1);
    net.isolate(1);
    net.campaign(2);
    assertThat(net.node(1).state()).isEqualTo(StateType.LEADER);

    net.heal();
    net.tick(2, 1);

    assertThat(net.node(1).state()).isEqualTo(StateType.FOLLOWER);
    assertThat(net.node(1).term()).isEqualTo(2);
    assertThat(net.node(1).lead()).isEqualTo(2);
  }

  /**
   * §5.1: "If a server receives a request with a stale term number, it rejects the request." This
   * implementation ignores it: no state changes and nothing is sent.
   */
  @ParameterizedTest
  @EnumSource(value = MessageType.class, names = {"MSG_APP", "MSG_HEARTBEAT", "MSG_VOTE"})
  void serverIgnoresRequestWithStaleTerm(MessageType type) {
    TestNode n = new TestNode(paperConfig(1), storage(entries(1, 1), hardState(2, 0, 0), 1, 2, 3));
    Message.Builder stale = msg(type, 2, 1, 1).setIndex(1).setLogTerm(1).setCommit(1);
    if (type == MSG_APP) {
      stale.addEntries(entry(2, 1));
    }

    List<Message> out = n.step(stale);

    assertThat(out).isEmpty();
    assertThat(n.term()).isEqualTo(2);
    assertThat(n.vote()).isZero();
    assertThat(n.committed()).isZero();
    assertThat(n.log()).containsExactly(entry(1, 1));
  }

  /** §5.2: "When servers start up, they begin as followers." */
  @Test
  void serverStartsAsFollower() {
    TestNode fresh = TestNode.paper(1, 1, 2, 3);
    TestNode restarted = new TestNode(paperConfig(1), storage(List.of(), hardState(5, 2, 0), 1, 2, 3));

    assertThat(fresh.state()).isEqualTo(StateType.FOLLOWER);
    assertThat(fresh.term()).isZero();
    assertThat(restarted.state()).isEqualTo(StateType.FOLLOWER);
    assertThat(restarted.term()).isEqualTo(5);
    assertThat(restarted.vote()).isEqualTo(2);
  }

  /**
   * §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all
   * followers in order to maintain their authority."
   */
  @Test
  void leaderSendsHeartbeatToAllFollowersEveryHeartbeatTimeout() {
    TestNode n = new TestNode(paperConfig(1).withTicks(ELECTION_TICK, 2), MemoryStorage.withVoters(1, 2, 3));
    n.winElection(2, 3);

    assertThat(n.tick(1)).isEmpty();
    List<Message> beats = n.tick(1);

    assertThat(beats)
        .extracting(Message::getType, Message::getTo, Message::getTerm, Message::getEntriesCount)
        .containsExactly(tuple(MSG_HEARTBEAT, 2L, 1L, 0), tuple(MSG_HEARTBEAT, 3L, 1L, 0));
  }

  /**
   * §5.2: "If a follower receives no communication over a period of time called the election
   * timeout, then it assumes there is no viable leader and begins an election to choose a new
   * leader. To begin an election, a follower increments its current term and transitions to
   * candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of
   * the other servers in the cluster."
   */
  @Test
  void followerStartsElectionAfterElectionTimeout() {
    TestNode n = TestNode.paper(1, 1, 2, 3);

    List<Message> out = tickUntilCampaign(n);

    assertThat(n.state()).isEqualTo(StateType.CANDIDATE);
    assertThat(n.term()).isEqualTo(1);
    assertThat(n.vote()).isEqualTo(1);
    assertThat(out).extracting(Message::getType, Message::getTo, Message::getTerm)
        .containsExactly(tuple(MSG_VOTE, 2L, 1L), tuple(MSG_VOTE, 3L, 1L));
  }

  /**
   * §5.2: "When this happens, each candidate will time out and start a new election by
   * incrementing its term and initiating another round of RequestVote RPCs."
   */
  @Test
  void candidateStartsNewElectionAfterElectionTimeout() {
    TestNode n = TestNode.paper(1, 1, 2, 3);
    n.raw.campaign();
    n.drain();

    List<Message> out = tickUntilCampaign(n);

    assertThat(n.state()).isEqualTo(StateType.CANDIDATE);
    assertThat(n.term()).isEqualTo(2);
    assertThat(n.vote()).isEqualTo(1);
    assertThat(out).extracting(Message::getType, Message::getTo, Message::getTerm)
        .containsExactly(tuple(MSG_VOTE, 2L, 2L), tuple(MSG_VOTE, 3L, 2L));
  }

  /**
   * §5.2: "A candidate wins an election if it receives votes from a majority of the servers in
   * the full cluster for the same term." Otherwise it loses once a majority refused, or keeps
   * waiting: "(a) it wins the election, (b) another server establishes itself as leader, or (c) a
   * period of time goes by with no winner."
   */
  @ParameterizedTest(name = "{0} voters, votes {1} -> {2}")
  @MethodSource("electionRounds")
  void candidateWinsLosesOrWaitsAfterOneRoundOfVotes(int size, Map<Long, Boolean> votes, StateType expected) {
    TestNode n = TestNode.paper(1, ids(size));
    n.raw.campaign();
    n.drain();

    votes.forEach((from, granted) -> n.raw.step(msg(MSG_VOTE_RESP, from, 1, 1).setReject(!granted).build()));
    n.drain();

    assertThat(n.state()).isEqualTo(expected);
    assertThat(n.term()).isEqualTo(1);
  }

  static Stream<Arguments> electionRounds() {
    return Stream.of(
        Arguments.of(1, votes(), StateType.LEADER),
        Arguments.of(3, votes(2, true, 3, true), StateType.LEADER),
        Arguments.of(3, votes(2, true), StateType.LEADER),
        Arguments.of(5, votes(2, true, 3, true, 4, true, 5, true), StateType.LEADER),
        Arguments.of(5, votes(2, true, 3, true, 4, true), StateType.LEADER),
        Arguments.of(5, votes(2, true, 3, true), StateType.LEADER),
        Arguments.of(3, votes(2, false, 3, false), StateType.FOLLOWER),
        Arguments.of(5, votes(2, false, 3, false, 4, false, 5, false), StateType.FOLLOWER),
        Arguments.of(5, votes(2, true, 3, false, 4, false, 5, false), StateType.FOLLOWER),
        Arguments.of(3, votes(), StateType.CANDIDATE),
        Arguments.of(5, votes(2, true), StateType.CANDIDATE),
        Arguments.of(5, votes(2, false, 3, false), StateType.CANDIDATE),
        Arguments.of(5, votes(), StateType.CANDIDATE));
  }

  /**
   * §5.2: "Each server will vote for at most one candidate in a given term, on a
   * first-come-first-served basis."
   */
  @ParameterizedTest(name = "voted for {0}, asked by {1} -> reject {2}")
  @CsvSource({"0, 2, false", "0, 3, false", "2, 2, false", "3, 3, false", "2, 3, true", "3, 2, true"})
  void followerVotesForAtMostOneCandidatePerTerm(long votedFor, long candidate, boolean rejected) {
    TestNode n = new TestNode(paperConfig(1), storage(List.of(), hardState(1, votedFor, 0), 1, 2, 3));

    List<Message> out = n.step(msg(MSG_VOTE, candidate, 1, 1));

    assertThat(out).extracting(Message::getType, Message::getTo, Message::getTerm, Message::getReject)
        .containsExactly(tuple(MSG_VOTE_RESP, candidate, 1L, rejected));
  }

  /**
   * §5.2: "While waiting for votes, a candidate may receive an AppendEntries RPC from another
   * server claiming to be leader. If the leader's term (included in its RPC) is at least as large
   * as the candidate's current term, then the candidate recognizes the leader as legitimate and
   * returns to follower state."
   */
  @ParameterizedTest
  @CsvSource({"1", "2"})
  void candidateFallsBackToFollowerOnAppendFromLegitimateLeader(long leaderTerm) {
    TestNode n = TestNode.paper(1, 1, 2, 3);
    n.raw.campaign();
    n.drain();

    n.step(msg(MSG_APP, 2, 1, leaderTerm));

    assertThat(n.state()).isEqualTo(StateType.FOLLOWER);
    assertThat(n.term()).isEqualTo(leaderTerm);
    assertThat(n.lead()).isEqualTo(2);
  }

  /**
   * §5.2: "Raft uses randomized election timeouts to ensure that split votes are rare and that
   * they are resolved quickly. To prevent split votes in the first place, election timeouts are
   * chosen randomly from a fixed interval (e.g., 150–300ms)." Here: [electionTick, 2 *
   * electionTick) ticks, every value reachable, for followers and candidates alike.
   */
  @ParameterizedTest
  @EnumSource(value = StateType.class, names = {"FOLLOWER", "CANDIDATE"})
  void electionTimeoutIsRandomizedOverOneElectionTick(StateType role) {
    Set<Integer> timeouts = new TreeSet<>();
    for (long seed = 0; seed < 500; seed++) {
      TestNode n = new TestNode(paperConfig(1, seed), MemoryStorage.withVoters(1, 2, 3));
      if (role == StateType.CANDIDATE) {
        n.raw.campaign();
        n.drain();
      }
      timeouts.add(electionTimeoutOf(n));
    }

    assertThat(timeouts).containsExactlyElementsOf(
        IntStream.range(ELECTION_TICK, 2 * ELECTION_TICK).boxed().toList());
  }

  /**
   * §5.2: "This spreads out the servers so that in most cases only a single server will time out;
   * it wins the election and sends heartbeats before any other servers time out." Among five
   * servers, the first timeout is shared in well under a third of the rounds.
   */
  @ParameterizedTest
  @EnumSource(value = StateType.class, names = {"FOLLOWER", "CANDIDATE"})
  void electionTimeoutsRarelyConflict(StateType role) {
    int rounds = 1000;
    int conflicts = 0;
    for (int round = 0; round < rounds; round++) {
      List<Integer> timeouts = new ArrayList<>();
      for (long id : ids(5)) {
        TestNode n = new TestNode(paperConfig(id, round * 5L + id), MemoryStorage.withVoters(ids(5)));
        if (role == StateType.CANDIDATE) {
          n.raw.campaign();
          n.drain();
        }
        timeouts.add(electionTimeoutOf(n));
      }
      int first = timeouts.stream().min(Integer::compare).orElseThrow();
      if (timeouts.stream().filter(t -> t == first).count() > 1) {
        conflicts++;
      }
    }

    assertThat((double) conflicts / rounds).isLessThanOrEqualTo(0.3);
  }

  private static TestNode memberOfThreeAtTermOne(StateType role) {
    TestNode n = TestNode.paper(1, 1, 2, 3);
    switch (role) {
      case FOLLOWER -> n.step(msg(MSG_HEARTBEAT, 2, 1, 1));
      case CANDIDATE -> {
        n.raw.campaign();
        n.drain();
      }
      case LEADER -> n.winElection(2);
      default -> throw new IllegalArgumentException(role.name());
    }
    assertThat(n.state()).isEqualTo(role);
    assertThat(n.term()).isEqualTo(1);
    return n;
  }

  /** Ticks until the member starts an election; returns that tick's messages. */
  private static List<Message> tickUntilCampaign(TestNode n) {
    long term = n.term();
    for (int i = 0; i < 2 * ELECTION_TICK; i++) {
      List<Message> out = n.tick(1);
      if (n.term() > term) {
        return out;
      }
    }
    throw new AssertionError("no election within " + 2 * ELECTION_TICK + " ticks");
  }

  /** The number of ticks after which the member starts an election. */
  private static int electionTimeoutOf(TestNode n) {
    long term = n.term();
    for (int ticks = 1; ticks <= 2 * ELECTION_TICK; ticks++) {
      n.tick(1);
      if (n.term() > term) {
        return ticks;
      }
    }
    throw new AssertionError("no election within " + 2 * ELECTION_TICK + " ticks");
  }

  private static Map<Long, Boolean> votes(Object... idThenGranted) {
    Map<Long, Boolean> votes = new TreeMap<>();
    for (int i = 0; i < idThenGranted.length; i += 2) {
      votes.put(((Integer) idThenGranted[i]).longValue(), (Boolean) idThenGranted[i + 1]);
    }
    return votes;
  }
}
