package io.kvstore.raft.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MajorityConfigTest {

  @ParameterizedTest(name = "acked {1} -> {2}")
  @MethodSource("commits")
  void committedIndexIsTheHighestIndexAckedByAMajority(
      MajorityConfig c, Map<Long, Long> acked, long committed) {
    assertThat(c.committedIndex(id -> acked.getOrDefault(id, 0L))).isEqualTo(committed);
  }

  static Stream<Arguments> commits() {
    return Stream.of(
        Arguments.of(MajorityConfig.of(1), Map.of(), 0L),
        Arguments.of(MajorityConfig.of(1), Map.of(1L, 5L), 5L),
        Arguments.of(MajorityConfig.of(1, 2), Map.of(1L, 5L), 0L),
        Arguments.of(MajorityConfig.of(1, 2), Map.of(1L, 5L, 2L, 3L), 3L),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, 10L), 0L),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, 10L, 2L, 5L, 3L, 3L), 5L),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, 10L, 3L, 10L), 10L),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4), Map.of(1L, 10L, 2L, 8L, 3L, 6L, 4L, 4L), 6L),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4), Map.of(1L, 10L, 2L, 8L), 0L),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4, 5),
            Map.of(1L, 10L, 2L, 8L, 3L, 6L, 4L, 4L, 5L, 2L), 6L),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4, 5), Map.of(1L, 10L, 2L, 8L), 0L),
        // Acks of non-voters do not count.
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, 10L, 7L, 10L, 8L, 10L), 0L));
  }

  @Test
  void emptyConfigCommitsEverything() {
    assertThat(MajorityConfig.of().committedIndex(id -> 0)).isEqualTo(Long.MAX_VALUE);
  }

  @ParameterizedTest(name = "votes {1} -> {2}")
  @MethodSource("elections")
  void voteResultIsWonWithMajorityLostWhenMajorityImpossible(
      MajorityConfig c, Map<Long, Boolean> votes, VoteResult result) {
    assertThat(c.voteResult(votes)).isEqualTo(result);
  }

  static Stream<Arguments> elections() {
    return Stream.of(
        Arguments.of(MajorityConfig.of(), Map.of(), VoteResult.WON),
        Arguments.of(MajorityConfig.of(1), Map.of(), VoteResult.PENDING),
        Arguments.of(MajorityConfig.of(1), Map.of(1L, true), VoteResult.WON),
        Arguments.of(MajorityConfig.of(1), Map.of(1L, false), VoteResult.LOST),
        Arguments.of(MajorityConfig.of(1, 2), Map.of(1L, true), VoteResult.PENDING),
        Arguments.of(MajorityConfig.of(1, 2), Map.of(1L, true, 2L, true), VoteResult.WON),
        Arguments.of(MajorityConfig.of(1, 2), Map.of(1L, true, 2L, false), VoteResult.LOST),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, true), VoteResult.PENDING),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, true, 2L, false), VoteResult.PENDING),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, true, 2L, true), VoteResult.WON),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, false, 2L, false), VoteResult.LOST),
        Arguments.of(MajorityConfig.of(1, 2, 3), Map.of(1L, true, 7L, true, 8L, true), VoteResult.PENDING),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4), Map.of(1L, true, 2L, true), VoteResult.PENDING),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4),
            Map.of(1L, true, 2L, true, 3L, false, 4L, false), VoteResult.LOST),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4), Map.of(1L, true, 2L, true, 3L, true), VoteResult.WON),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4, 5), Map.of(1L, true, 2L, true, 3L, true), VoteResult.WON),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4, 5), Map.of(1L, false, 2L, false, 3L, false), VoteResult.LOST),
        Arguments.of(MajorityConfig.of(1, 2, 3, 4, 5),
            Map.of(1L, true, 2L, true, 3L, false, 4L, false), VoteResult.PENDING));
  }

  @Test
  void quorumIsASimpleMajority() {
    assertThat(MajorityConfig.of(1).quorum()).isEqualTo(1);
    assertThat(MajorityConfig.of(1, 2).quorum()).isEqualTo(2);
    assertThat(MajorityConfig.of(1, 2, 3).quorum()).isEqualTo(2);
    assertThat(MajorityConfig.of(1, 2, 3, 4).quorum()).isEqualTo(3);
    assertThat(MajorityConfig.of(1, 2, 3, 4, 5).quorum()).isEqualTo(3);
  }
}
