package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.entries;
import static io.kvstore.raft.core.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Snapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnstableTest {

  @Test
  void firstIndexIsKnownOnlyFromASnapshot() {
    assertThat(unstable(5, null, entries(5, 1)).maybeFirstIndex()).isEqualTo(-1);
    assertThat(unstable(5, snapshot(4, 1), entries(5, 1)).maybeFirstIndex()).isEqualTo(5);
  }

  @Test
  void lastIndexComesFromEntriesThenSnapshot() {
    assertThat(unstable(5, null, entries(5, 1)).maybeLastIndex()).isEqualTo(5);
    assertThat(unstable(5, snapshot(4, 1), entries(5, 1, 1)).maybeLastIndex()).isEqualTo(6);
    assertThat(unstable(5, snapshot(4, 1), List.of()).maybeLastIndex()).isEqualTo(4);
    assertThat(unstable(0, null, List.of()).maybeLastIndex()).isEqualTo(-1);
  }

  @Test
  void termIsKnownForEntriesAndTheSnapshotIndexOnly() {
    Unstable u = unstable(5, snapshot(4, 1), entries(5, 2, 3));

    assertThat(u.maybeTerm(4)).isEqualTo(1);
    assertThat(u.maybeTerm(5)).isEqualTo(2);
    assertThat(u.maybeTerm(6)).isEqualTo(3);
    assertThat(u.maybeTerm(3)).isEqualTo(-1);
    assertThat(u.maybeTerm(7)).isEqualTo(-1);
    assertThat(unstable(5, null, entries(5, 1)).maybeTerm(4)).isEqualTo(-1);
  }

  @Test
  void stableToDropsPersistedPrefixOnlyWhenTheTermMatches() {
    Unstable u = unstable(5, null, entries(5, 1, 1, 2));

    u.stableTo(6, 2);
    assertThat(u.entries).isEqualTo(entries(5, 1, 1, 2));
    u.stableTo(4, 1);
    assertThat(u.entries).isEqualTo(entries(5, 1, 1, 2));

    u.stableTo(6, 1);
    assertThat(u.offset).isEqualTo(7);
    assertThat(u.entries).isEqualTo(entries(7, 2));
  }

  @Test
  void stableToAtTheSnapshotIndexKeepsEntries() {
    Unstable u = unstable(5, snapshot(4, 1), entries(5, 1));

    u.stableTo(4, 1);

    assertThat(u.offset).isEqualTo(5);
    assertThat(u.entries).isEqualTo(entries(5, 1));
  }

  @Test
  void stableSnapToClearsOnlyTheMatchingSnapshot() {
    Unstable u = unstable(5, snapshot(4, 1), List.of());

    u.stableSnapTo(3);
    assertThat(u.snapshot).isNotNull();
    u.stableSnapTo(4);
    assertThat(u.snapshot).isNull();
  }

  @Test
  void truncateAndAppendAppendsReplacesOrTruncates() {
    Unstable append = unstable(5, null, entries(5, 1));
    append.truncateAndAppend(entries(6, 1, 1));
    assertThat(append.offset).isEqualTo(5);
    assertThat(append.entries).isEqualTo(entries(5, 1, 1, 1));

    Unstable replace = unstable(5, null, entries(5, 1));
    replace.truncateAndAppend(entries(4, 2, 2));
    assertThat(replace.offset).isEqualTo(4);
    assertThat(replace.entries).isEqualTo(entries(4, 2, 2));

    Unstable truncate = unstable(5, null, entries(5, 1, 1, 1));
    truncate.truncateAndAppend(entries(6, 2));
    assertThat(truncate.offset).isEqualTo(5);
    assertThat(truncate.entries).isEqualTo(entries(5, 1, 2));
  }

  @Test
  void restoreReplacesEverythingWithTheSnapshot() {
    Unstable u = unstable(5, null, entries(5, 1, 1));

    u.restore(snapshot(9, 3));

    assertThat(u.offset).isEqualTo(10);
    assertThat(u.entries).isEmpty();
    assertThat(u.maybeLastIndex()).isEqualTo(9);
    assertThat(u.maybeTerm(9)).isEqualTo(3);
  }

  @Test
  void sliceOutsideTheEntriesIsRefused() {
    Unstable u = unstable(5, null, entries(5, 1, 1));

    assertThat(u.slice(5, 7)).isEqualTo(entries(5, 1, 1));
    assertThatThrownBy(() -> u.slice(4, 6)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> u.slice(6, 8)).isInstanceOf(IllegalStateException.class);
  }

  private static Unstable unstable(long offset, Snapshot snap, List<Entry> ents) {
    Unstable u = new Unstable(offset);
    u.snapshot = snap;
    u.entries.addAll(ents);
    return u;
  }
}
