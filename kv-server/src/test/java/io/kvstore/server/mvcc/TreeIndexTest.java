package io.kvstore.server.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key → KeyIndex map: ranges in unsigned key order, counts, history, compaction. */
class TreeIndexTest {
  private final TreeIndex index = new TreeIndex();

  private static List<String> keys(TreeIndex.Match m) {
    return m.entries().stream().map(e -> e.key().toStringUtf8()).toList();
  }

  @Test
  void rangeIsInUnsignedKeyOrderAndCountsBeyondTheLimit() {
    ByteString high = ByteString.copyFrom(new byte[] {(byte) 0xff});
    index.put(Kv.b("b"), Revision.first(2));
    index.put(high, Revision.first(3));
    index.put(Kv.b("a"), Revision.first(4));
    index.put(Kv.b("c"), Revision.first(5));

    TreeIndex.Match all = index.range(KeyRange.of(Kv.b("a"), Kv.b("\0")), 5, 0);
    TreeIndex.Match two = index.range(KeyRange.of(Kv.b("a"), Kv.b("\0")), 5, 2);

    assertThat(all.entries()).extracting(IndexEntry::key)
        .containsExactly(Kv.b("a"), Kv.b("b"), Kv.b("c"), high);
    assertThat(keys(two)).containsExactly("a", "b");
    assertThat(two.total()).isEqualTo(4);
  }

  @Test
  void rangeAtAnOlderRevisionSeesOlderState() {
    index.put(Kv.b("a"), Revision.first(2));
    index.put(Kv.b("b"), Revision.first(3));
    index.tombstone(Kv.b("a"), Revision.first(4));

    assertThat(keys(index.range(KeyRange.of(Kv.b("a"), Kv.b("c")), 3, 0))).containsExactly("a",
        "b");
    assertThat(keys(index.range(KeyRange.of(Kv.b("a"), Kv.b("c")), 4, 0))).containsExactly("b");
    assertThat(index.count(KeyRange.of(Kv.b("a"), Kv.b("c")), 4)).isEqualTo(1);
    assertThat(index.count(KeyRange.of(Kv.b("a"), ByteString.EMPTY), 3)).isEqualTo(1);
    assertThat(index.get(Kv.b("a"), 4)).isNull();
  }

  @Test
  void boundedRangeWithEndNotAfterKeyIsEmpty() {
    index.put(Kv.b("a"), Revision.first(2));
    index.put(Kv.b("b"), Revision.first(3));

    assertThat(index.range(KeyRange.of(Kv.b("b"), Kv.b("a")), 3, 0).total()).isZero();
    assertThat(index.range(KeyRange.of(Kv.b("b"), Kv.b("b")), 3, 0).total()).isZero();
  }

  @Test
  void rangeSinceMergesKeysInRevisionOrder() {
    index.put(Kv.b("a"), Revision.first(2));
    index.put(Kv.b("b"), Revision.first(3));
    index.put(Kv.b("a"), Revision.first(4));
    index.tombstone(Kv.b("b"), Revision.first(5));
    index.put(Kv.b("z"), Revision.first(6));

    assertThat(index.rangeSince(KeyRange.of(Kv.b("a"), Kv.b("c")), 3))
        .containsExactly(Revision.first(3), Revision.first(4), Revision.first(5));
    assertThat(index.rangeSince(KeyRange.of(Kv.b("a"), ByteString.EMPTY), 0))
        .containsExactly(Revision.first(2), Revision.first(4));
  }

  @Test
  void compactDropsDeletedKeysAndReturnsWhatToKeep() {
    index.put(Kv.b("a"), Revision.first(2));
    index.put(Kv.b("b"), Revision.first(3));
    index.put(Kv.b("a"), Revision.first(4));
    index.tombstone(Kv.b("b"), Revision.first(5));

    assertThat(index.keep(6)).containsExactlyInAnyOrder(Revision.first(4));
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.compact(6)).containsExactlyInAnyOrder(Revision.first(4));
    assertThat(index.size()).isEqualTo(1);
    assertThat(index.get(Kv.b("a"), 6).modified()).isEqualTo(Revision.first(4));
  }
}
