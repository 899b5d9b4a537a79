package io.kvstore.server.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One key's generations, with the cases of etcd's key_index_test.go. */
class KeyIndexTest {
  /**
   * etcd's {@code newTestKeyIndex}: generations {2,4,6(t)} {8,10,12(t)} {14,15.1,16(t)} {}.
   */
  private static KeyIndex testKeyIndex() {
    KeyIndex ki = new KeyIndex(Kv.b("foo"));
    ki.put(new Revision(2, 0));
    ki.put(new Revision(4, 0));
    ki.tombstone(new Revision(6, 0));
    ki.put(new Revision(8, 0));
    ki.put(new Revision(10, 0));
    ki.tombstone(new Revision(12, 0));
    ki.put(new Revision(14, 0));
    ki.put(new Revision(15, 1));
    ki.tombstone(new Revision(16, 0));
    return ki;
  }

  private static IndexEntry entry(long mod, long modSub, long created, long version) {
    return new IndexEntry(Kv.b("foo"), new Revision(mod, modSub), Revision.first(created),
        version);
  }

  @Test
  void getAfterCompactionAtFour() {
    KeyIndex ki = testKeyIndex();
    ki.compact(4, new HashSet<>());

    assertThat(ki.get(17)).isNull();
    assertThat(ki.get(16)).isNull();
    assertThat(ki.get(15)).isEqualTo(entry(15, 1, 14, 2));
    assertThat(ki.get(14)).isEqualTo(entry(14, 0, 14, 1));
    assertThat(ki.get(13)).isNull();
    assertThat(ki.get(12)).isNull();
    assertThat(ki.get(11)).isEqualTo(entry(10, 0, 8, 2));
    assertThat(ki.get(10)).isEqualTo(entry(10, 0, 8, 2));
    assertThat(ki.get(9)).isEqualTo(entry(8, 0, 8, 1));
    assertThat(ki.get(8)).isEqualTo(entry(8, 0, 8, 1));
    assertThat(ki.get(7)).isNull();
    assertThat(ki.get(6)).isNull();
    assertThat(ki.get(5)).isEqualTo(entry(4, 0, 2, 2));
    assertThat(ki.get(4)).isEqualTo(entry(4, 0, 2, 2));
    for (long rev = 3; rev >= 0; rev--) {
      assertThat(ki.get(rev)).as("at %d", rev).isNull();
    }
  }

  @Test
  void sinceAfterCompactionAtFour() {
    KeyIndex ki = testKeyIndex();
    ki.compact(4, new HashSet<>());
    List<Revision> all = List.of(Revision.first(4), Revision.first(6), Revision.first(8),
        Revision.first(10), Revision.first(12), Revision.first(14), new Revision(15, 1),
        Revision.first(16));

    assertThat(ki.since(17)).isEmpty();
    assertThat(ki.since(16)).isEqualTo(all.subList(7, 8));
    assertThat(ki.since(15)).isEqualTo(all.subList(6, 8));
    assertThat(ki.since(13)).isEqualTo(all.subList(5, 8));
    assertThat(ki.since(11)).isEqualTo(all.subList(4, 8));
    assertThat(ki.since(7)).isEqualTo(all.subList(2, 8));
    assertThat(ki.since(5)).isEqualTo(all.subList(1, 8));
    assertThat(ki.since(0)).isEqualTo(all);
  }

  @Test
  void sinceKeepsOnlyTheLastChangeOfAMainRevision() {
    KeyIndex ki = new KeyIndex(Kv.b("k"));
    ki.put(new Revision(3, 0));
    ki.put(new Revision(3, 1));
    ki.put(new Revision(4, 0));

    assertThat(ki.since(1)).containsExactly(new Revision(3, 1), Revision.first(4));
  }

  @Test
  void compactKeepsTheLatestRevisionAtOrBelow() {
    KeyIndex ki = testKeyIndex();
    Set<Revision> available = new HashSet<>();

    ki.compact(9, available);

    assertThat(available).containsExactly(Revision.first(8));
    assertThat(ki.get(9)).isEqualTo(entry(8, 0, 8, 1));
    assertThat(ki.get(5)).isNull();
  }

  @Test
  void compactAtATombstoneKeepsIt() {
    KeyIndex ki = testKeyIndex();
    Set<Revision> available = new HashSet<>();

    ki.compact(12, available);

    assertThat(available).containsExactly(Revision.first(12));
    assertThat(ki.isEmpty()).isFalse();
    assertThat(ki.since(0)).first().isEqualTo(Revision.first(12));
  }

  @Test
  void compactPastTheLastTombstoneEmptiesTheKey() {
    KeyIndex ki = testKeyIndex();
    Set<Revision> available = new HashSet<>();

    ki.compact(17, available);

    assertThat(available).isEmpty();
    assertThat(ki.isEmpty()).isTrue();
  }

  @Test
  void keepLeavesOutATombstoneAndChangesNothing() {
    KeyIndex ki = testKeyIndex();
    Set<Revision> kept = new HashSet<>();

    ki.keep(12, kept);
    assertThat(kept).isEmpty();
    ki.keep(15, kept);
    assertThat(kept).containsExactly(new Revision(15, 1));
    assertThat(ki.get(2)).isEqualTo(entry(2, 0, 2, 1));
  }

  @Test
  void versionCountsPutsOfTheGenerationAndRestartsAfterTombstone() {
    KeyIndex ki = new KeyIndex(Kv.b("foo"));
    ki.put(Revision.first(2));
    ki.put(Revision.first(3));
    ki.tombstone(Revision.first(4));
    ki.put(Revision.first(5));

    assertThat(ki.get(3)).isEqualTo(entry(3, 0, 2, 2));
    assertThat(ki.get(4)).isNull();
    assertThat(ki.get(5)).isEqualTo(entry(5, 0, 5, 1));
  }

  @Test
  void tombstoneOfAnAbsentKeyRecordsNothing() {
    KeyIndex ki = new KeyIndex(Kv.b("foo"));
    ki.put(Revision.first(2));
    ki.tombstone(Revision.first(3));

    assertThat(ki.tombstone(Revision.first(4))).isFalse();
    assertThat(ki.since(0)).containsExactly(Revision.first(2), Revision.first(3));
  }

  @Test
  void revisionsMustIncrease() {
    KeyIndex ki = new KeyIndex(Kv.b("foo"));
    ki.put(new Revision(5, 1));

    assertThatThrownBy(() -> ki.put(new Revision(5, 1)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ki.put(new Revision(5, 0)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void restoredTombstoneStartsAnEmptyGeneration() {
    KeyIndex ki = new KeyIndex(Kv.b("foo"));
    ki.restoreTombstone(Revision.first(7));

    assertThat(ki.get(7)).isNull();
    assertThat(ki.isEmpty()).isFalse();
    ki.put(Revision.first(8));
    assertThat(ki.get(8)).isEqualTo(entry(8, 0, 8, 1));
  }
}
