package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.entry;
import static io.kvstore.raft.core.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.raft.pb.Entry;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RaftLogTest {
  private static final long NO_LIMIT = Long.MAX_VALUE;

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("conflicts")
  void findConflictReturnsFirstNewOrDifferingIndex(List<Entry> incoming, long conflict) {
    RaftLog log = unstableLog(entries(1, 1, 2, 3));

    assertThat(log.findConflict(incoming)).isEqualTo(conflict);
  }

  static Stream<Arguments> conflicts() {
    return Stream.of(
        Arguments.of(List.of(), 0L),
        Arguments.of(entries(1, 1, 2, 3), 0L),
        Arguments.of(entries(2, 2, 3), 0L),
        Arguments.of(entries(3, 3), 0L),
        Arguments.of(entries(1, 1, 2, 3, 4, 4), 4L),
        Arguments.of(entries(4, 4, 4), 4L),
        Arguments.of(entries(1, 4, 4), 1L),
        Arguments.of(entries(2, 1, 4, 4), 2L),
        Arguments.of(entries(3, 1, 2, 4, 4), 3L));
  }

  @ParameterizedTest(name = "({0}, {1}) -> ({2}, {3})")
  @CsvSource({
      "100, 2, 100, 0", // past the end: unknown
      "5, 6, 5, 5",
      "5, 5, 5, 5",
      "5, 4, 2, 2",
      "5, 2, 2, 2",
      "5, 1, 0, 0",
      "1, 2, 1, 2",
      "1, 1, 0, 0",
      "0, 0, 0, 0"})
  void findConflictByTermFindsLastIndexWithTermAtMost(long index, long term, long wantIndex, long wantTerm) {
    RaftLog log = unstableLog(entries(1, 2, 2, 5, 5, 5));

    assertThat(log.findConflictByTerm(index, term)).containsExactly(wantIndex, wantTerm);
  }

  @ParameterizedTest(name = "({0}, {1}) -> ({2}, {3})")
  @CsvSource({
      "30, 3, 30, 0", // past the end: unknown
      "14, 9, 14, 4",
      "14, 4, 14, 4",
      "14, 3, 12, 3",
      "14, 2, 9, 2", // the snapshot's index and term
      "11, 5, 11, 3",
      "10, 2, 9, 2",
      "9, 2, 9, 2",
      "4, 2, 4, 0", // compacted: unknown
      "0, 0, 0, 0"})
  void findConflictByTermStopsAtTheCompactionPoint(long index, long term, long wantIndex, long wantTerm) {
    MemoryStorage storage = new MemoryStorage();
    storage.applySnapshot(snapshot(9, 2, 1));
    storage.append(entries(10, 3, 3, 3, 4, 4, 4));
    RaftLog log = new RaftLog(storage, NO_LIMIT);

    assertThat(log.findConflictByTerm(index, term)).containsExactly(wantIndex, wantTerm);
  }

  /** Log [1:1, 2:2, 3:3], committed 1. */
  @ParameterizedTest(name = "after ({0}, {1}) commit {2} append {3}")
  @MethodSource("appends")
  void maybeAppendChecksMatchAppendsAndCommits(
      long index, long logTerm, long commit, List<Entry> ents, long lastNew, long committed,
      List<Entry> result) {
    RaftLog log = unstableLog(entries(1, 1, 2, 3));
    log.committed = 1;

    assertThat(log.maybeAppend(index, logTerm, commit, ents)).isEqualTo(lastNew);
    assertThat(log.committed).isEqualTo(committed);
    assertThat(log.entries(1, NO_LIMIT)).isEqualTo(result);
  }

  static Stream<Arguments> appends() {
    List<Entry> unchanged = entries(1, 1, 2, 3);
    return Stream.of(
        // No match: the term differs, or the index is past the end.
        Arguments.of(3L, 2L, 3L, entries(4, 4), -1L, 1L, unchanged),
        Arguments.of(4L, 3L, 3L, entries(5, 4), -1L, 1L, unchanged),
        // Match at the last entry: commit up to min(leader commit, last new), never decreasing.
        Arguments.of(3L, 3L, 3L, List.of(), 3L, 3L, unchanged),
        Arguments.of(3L, 3L, 4L, List.of(), 3L, 3L, unchanged),
        Arguments.of(3L, 3L, 2L, List.of(), 3L, 2L, unchanged),
        Arguments.of(3L, 3L, 0L, List.of(), 3L, 1L, unchanged),
        Arguments.of(0L, 0L, 3L, List.of(), 0L, 1L, unchanged),
        Arguments.of(3L, 3L, 5L, entries(4, 4), 4L, 4L, entries(1, 1, 2, 3, 4)),
        Arguments.of(3L, 3L, 5L, entries(4, 4, 4), 5L, 5L, entries(1, 1, 2, 3, 4, 4)),
        // Match in the middle: the conflicting suffix is replaced.
        Arguments.of(2L, 2L, 3L, entries(3, 4), 3L, 3L, entries(1, 1, 2, 4)),
        Arguments.of(1L, 1L, 3L, entries(2, 4), 2L, 2L, entries(1, 1, 4)),
        // Already present: nothing is truncated.
        Arguments.of(1L, 1L, 3L, entries(2, 2), 2L, 2L, unchanged));
  }

  @Test
  void maybeAppendRefusesToOverwriteACommittedEntry() {
    RaftLog log = unstableLog(entries(1, 1, 2, 3));
    log.committed = 1;

    assertThatThrownBy(() -> log.maybeAppend(0, 0, 3, entries(1, 4)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void commitToNeverDecreasesNorPassesTheLastIndex() {
    RaftLog log = unstableLog(entries(1, 1, 2, 3));
    log.committed = 2;

    log.commitTo(1);
    assertThat(log.committed).isEqualTo(2);
    log.commitTo(3);
    assertThat(log.committed).isEqualTo(3);
    assertThatThrownBy(() -> log.commitTo(4)).isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest(name = "applied {0} -> {1}")
  @CsvSource({"3, '4 5'", "4, '5'", "5, ''"})
  void nextEntriesAreCommittedButNotYetApplied(long applied, String expected) {
    MemoryStorage storage = new MemoryStorage();
    storage.applySnapshot(snapshot(3, 1, 1));
    storage.append(entries(4, 1, 1));
    RaftLog log = new RaftLog(storage, NO_LIMIT);
    log.append(entries(6, 1));
    log.commitTo(5);
    log.appliedTo(applied);

    List<Long> indexes = log.nextEntries().stream().map(Entry::getIndex).toList();

    assertThat(indexes).isEqualTo(
        expected.isEmpty() ? List.of() : Stream.of(expected.split(" ")).map(Long::valueOf).toList());
    assertThat(log.hasNextEntries()).isEqualTo(!expected.isEmpty());
  }

  @Test
  void nextEntriesAreLimitedInSizeButNeverEmpty() {
    RaftLog log = new RaftLog(new MemoryStorage(), 1);
    log.append(entries(1, 1, 1, 1));
    log.commitTo(3);

    assertThat(log.nextEntries()).containsExactly(entry(1, 1));
  }

  /** Storage holds 4..6 after a snapshot at 3; unstable holds 7..9. */
  @Test
  void sliceJoinsStorageAndUnstableEntries() {
    RaftLog log = splitLog();

    assertThat(log.slice(5, 9, NO_LIMIT)).isEqualTo(entries(5, 1, 1, 2, 2));
    assertThat(log.slice(4, 7, NO_LIMIT)).isEqualTo(entries(4, 1, 1, 1));
    assertThat(log.slice(7, 10, NO_LIMIT)).isEqualTo(entries(7, 2, 2, 2));
    assertThat(log.slice(6, 6, NO_LIMIT)).isEmpty();
  }

  @Test
  void sliceStopsAtTheSizeLimitOnEitherSideOfTheBoundary() {
    RaftLog log = splitLog();
    long oneEntry = Entries.size(entry(1, 1));

    assertThat(log.slice(4, 10, 0)).isEqualTo(entries(4, 1));
    assertThat(log.slice(4, 10, 2 * oneEntry)).isEqualTo(entries(4, 1, 1));
    assertThat(log.slice(5, 10, 3 * oneEntry)).isEqualTo(entries(5, 1, 1, 2));
  }

  @Test
  void sliceOutsideTheLogIsRefused() {
    RaftLog log = splitLog();

    assertThatThrownBy(() -> log.slice(3, 5, NO_LIMIT))
        .isInstanceOfSatisfying(StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.COMPACTED));
    assertThatThrownBy(() -> log.slice(8, 11, NO_LIMIT)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> log.slice(6, 5, NO_LIMIT)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void termIsAvailableFromTheCompactionPointToTheLastIndex() {
    RaftLog log = splitLog();

    assertThat(log.term(3)).isEqualTo(1);
    assertThat(log.term(8)).isEqualTo(2);
    assertThatThrownBy(() -> log.term(2))
        .isInstanceOfSatisfying(StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.COMPACTED));
    assertThatThrownBy(() -> log.term(10))
        .isInstanceOfSatisfying(StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.UNAVAILABLE));
  }

  @Test
  void restoreMakesTheSnapshotTheWholeLog() {
    RaftLog log = splitLog();

    log.restore(snapshot(100, 5, 1));

    assertThat(log.committed).isEqualTo(100);
    assertThat(log.firstIndex()).isEqualTo(101);
    assertThat(log.lastIndex()).isEqualTo(100);
    assertThat(log.term(100)).isEqualTo(5);
    assertThat(log.hasPendingSnapshot()).isTrue();
    assertThat(log.unstableEntries()).isEmpty();
  }

  @ParameterizedTest(name = "candidate last ({0}, {1}) -> {2}")
  @CsvSource({
      "2, 1, false", "3, 1, false", "4, 1, false",
      "2, 2, false", "3, 2, true", "4, 2, true",
      "1, 3, true", "2, 3, true"})
  void isUpToDateComparesLastTermThenLength(long lastIndex, long lastTerm, boolean upToDate) {
    RaftLog log = unstableLog(entries(1, 1, 2, 2));

    assertThat(log.isUpToDate(lastIndex, lastTerm)).isEqualTo(upToDate);
  }

  private static RaftLog unstableLog(List<Entry> ents) {
    RaftLog log = new RaftLog(new MemoryStorage(), NO_LIMIT);
    log.append(ents);
    return log;
  }

  private static RaftLog splitLog() {
    MemoryStorage storage = new MemoryStorage();
    storage.applySnapshot(snapshot(3, 1, 1));
    storage.append(entries(4, 1, 1, 1));
    RaftLog log = new RaftLog(storage, NO_LIMIT);
    log.append(entries(7, 2, 2, 2));
    return log;
  }
}
