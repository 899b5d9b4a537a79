package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest.SortOrder;
import io.kvstore.api.etcdserverpb.RangeRequest.SortTarget;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.mvccpb.KeyValue;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Range option and their interplay, as etcd 3.5's apply layer serves them. The data: rev 2
 * a=3, rev 3 b=2, rev 4 c=1, rev 5 a=1 (a: version 2), rev 6 d=0, rev 7 b deleted, rev 8 b=9.
 */
class RangeTest {
  @TempDir Path tmp;
  private StoreFixture s;

  @BeforeEach
  void fill() {
    s = new StoreFixture(tmp.resolve("db"));
    s.put("a", "3");
    s.put("b", "2");
    s.put("c", "1");
    s.put("a", "1");
    s.put("d", "0");
    s.delete(Kv.del("b"));
    s.put("b", "9");
  }

  @AfterEach
  void close() {
    s.close();
  }

  private static List<String> keys(RangeResponse r) {
    return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  @Test
  void singleKeyPrefixAndFromKey() {
    assertThat(keys(s.range(Kv.get("a")))).containsExactly("a");
    assertThat(keys(s.range(Kv.getRange("b", "d")))).containsExactly("b", "c");
    assertThat(keys(s.range(Kv.getRange("b", "\0")))).containsExactly("b", "c", "d");
    assertThat(keys(s.range(Kv.getRange("\0", "\0")))).containsExactly("a", "b", "c", "d");
    assertThat(s.range(Kv.getRange("a", "\0")).getHeader().getRevision()).isEqualTo(8);
  }

  @Test
  void limitSetsMoreAndCountIsTheWholeRange() {
    RangeResponse r = s.range(Kv.getRange("a", "\0").setLimit(2));

    assertThat(keys(r)).containsExactly("a", "b");
    assertThat(r.getMore()).isTrue();
    assertThat(r.getCount()).isEqualTo(4);
  }

  @Test
  void limitEqualToTheMatchesHasNoMore() {
    RangeResponse r = s.range(Kv.getRange("a", "\0").setLimit(4));

    assertThat(r.getKvsCount()).isEqualTo(4);
    assertThat(r.getMore()).isFalse();
    assertThat(r.getCount()).isEqualTo(4);
  }

  @Test
  void countOnlyReturnsNoKvsAndNoMore() {
    RangeResponse r = s.range(Kv.getRange("a", "\0").setCountOnly(true).setLimit(1));

    assertThat(r.getKvsCount()).isZero();
    assertThat(r.getCount()).isEqualTo(4);
    assertThat(r.getMore()).isFalse();
  }

  @Test
  void keysOnlyClearsValuesButKeepsTheRest() {
    KeyValue a = s.range(Kv.get("a").setKeysOnly(true)).getKvs(0);

    assertThat(a).isEqualTo(Kv.kv("a", "", 2, 5, 2));
  }

  @Test
  void sortByEachTarget() {
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.VALUE)
        .setSortOrder(SortOrder.ASCEND)))).containsExactly("d", "a", "c", "b");
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.CREATE)
        .setSortOrder(SortOrder.DESCEND)))).containsExactly("b", "d", "c", "a");
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.MOD)
        .setSortOrder(SortOrder.ASCEND)))).containsExactly("c", "a", "d", "b");
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.KEY)
        .setSortOrder(SortOrder.DESCEND)))).containsExactly("d", "c", "b", "a");
  }

  @Test
  void sortTargetWithoutOrderSortsAscending() {
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.MOD))))
        .containsExactly("c", "a", "d", "b");
  }

  @Test
  void versionTiesKeepKeyOrderInBothDirections() {
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.VERSION)
        .setSortOrder(SortOrder.ASCEND)))).containsExactly("b", "c", "d", "a");
    assertThat(keys(s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.VERSION)
        .setSortOrder(SortOrder.DESCEND)))).containsExactly("a", "b", "c", "d");
  }

  @Test
  void sortFetchesEverythingBeforeTheLimit() {
    RangeResponse r = s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.VALUE)
        .setSortOrder(SortOrder.DESCEND).setLimit(1));

    assertThat(keys(r)).containsExactly("b");
    assertThat(r.getMore()).isTrue();
    assertThat(r.getCount()).isEqualTo(4);
  }

  @Test
  void sortTargetWithoutOrderSortsOnlyTheLimitedFetch() {
    // Order NONE keeps the early limit (limit + 1 keys by key), then sorts those: etcd 3.5.
    RangeResponse r = s.range(Kv.getRange("a", "\0").setSortTarget(SortTarget.VALUE)
        .setLimit(2));

    assertThat(keys(r)).containsExactly("a", "c");
    assertThat(r.getMore()).isTrue();
  }

  @Test
  void revisionFiltersApplyBeforeTheLimitButNotToCount() {
    RangeResponse r = s.range(Kv.getRange("a", "\0").setMinModRevision(5).setLimit(1));

    assertThat(keys(r)).containsExactly("a");
    assertThat(r.getMore()).isTrue();
    assertThat(r.getCount()).isEqualTo(4);
    assertThat(keys(s.range(Kv.getRange("a", "\0").setMaxModRevision(5))))
        .containsExactly("a", "c");
    assertThat(keys(s.range(Kv.getRange("a", "\0").setMinCreateRevision(4))))
        .containsExactly("b", "c", "d");
    assertThat(keys(s.range(Kv.getRange("a", "\0").setMaxCreateRevision(4)
        .setMinCreateRevision(3)))).containsExactly("c");
  }

  @Test
  void historicalRevision() {
    RangeResponse r = s.range(Kv.getRange("a", "\0").setRevision(4));

    assertThat(r.getKvsList()).containsExactly(Kv.kv("a", "3", 2, 2, 1), Kv.kv("b", "2", 3, 3, 1),
        Kv.kv("c", "1", 4, 4, 1));
    assertThat(r.getHeader().getRevision()).isEqualTo(8);
    assertThat(keys(s.range(Kv.getRange("a", "\0").setRevision(7)))).containsExactly("a", "c",
        "d");
    assertThat(s.range(Kv.get("a").setRevision(1)).getCount()).isZero();
  }

  @Test
  void futureRevisionIsRefused() {
    assertThatThrownBy(() -> s.range(Kv.get("a").setRevision(9)))
        .isInstanceOf(FutureRevisionException.class)
        .hasMessage("etcdserver: mvcc: required revision is a future revision")
        .extracting(e -> ((EtcdException) e).code()).isEqualTo(StatusCode.OUT_OF_RANGE);
  }

  @Test
  void compactedRevisionIsRefusedButTheCompactRevisionItselfIsReadable() {
    s.compact(5);

    assertThatThrownBy(() -> s.range(Kv.get("a").setRevision(4)))
        .isInstanceOf(CompactedException.class)
        .hasMessage("etcdserver: mvcc: required revision has been compacted")
        .extracting(e -> ((EtcdException) e).code()).isEqualTo(StatusCode.OUT_OF_RANGE);
    assertThat(keys(s.range(Kv.getRange("a", "\0").setRevision(5)))).containsExactly("a", "b",
        "c");
  }

  @Test
  void futureIsCheckedBeforeCompacted() {
    s.compact(5);

    assertThatThrownBy(() -> s.range(Kv.get("a").setRevision(100)))
        .isInstanceOf(FutureRevisionException.class);
  }

  @Test
  void keysCompareAsUnsignedBytes() {
    ByteString high = ByteString.copyFrom(new byte[] {'a', (byte) 0xe9});
    s.put(PutRequest.newBuilder().setKey(high).setValue(b("x")));

    assertThat(s.range(Kv.getRange("a", "b")).getKvsList()).extracting(KeyValue::getKey)
        .containsExactly(b("a"), high);
  }
}
