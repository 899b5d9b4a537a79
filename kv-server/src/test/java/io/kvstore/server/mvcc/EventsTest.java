package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.b;
import static io.kvstore.server.mvcc.Kv.kv;
import static io.kvstore.server.mvcc.Kv.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.api.mvccpb.KeyValue;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The events each commit yields, and history replayed for watchers. */
class EventsTest {
  @TempDir Path tmp;
  private StoreFixture s;

  @BeforeEach
  void open() {
    s = new StoreFixture(tmp.resolve("db"));
  }

  @AfterEach
  void close() {
    s.close();
  }

  private static Event put(KeyValue kv, KeyValue prev) {
    Event.Builder e = Event.newBuilder().setType(EventType.PUT).setKv(kv);
    return prev == null ? e.build() : e.setPrevKv(prev).build();
  }

  private static Event delete(String key, long rev, KeyValue prev) {
    Event.Builder e = Event.newBuilder().setType(EventType.DELETE)
        .setKv(KeyValue.newBuilder().setKey(b(key)).setModRevision(rev));
    return prev == null ? e.build() : e.setPrevKv(prev).build();
  }

  @Test
  void putEventsCarryNoPreviousValueWhichValueBeforeGives() {
    s.put("a", "1");
    assertThat(s.lastCommit.events()).containsExactly(put(kv("a", "1", 2, 2, 1), null));
    assertThat(s.store.valueBefore(b("a"), 2)).isNull();

    s.put("a", "2");
    assertThat(s.lastCommit.revision()).isEqualTo(3);
    assertThat(s.lastCommit.events()).containsExactly(put(kv("a", "2", 2, 3, 2), null));
    assertThat(s.store.valueBefore(b("a"), 3)).isEqualTo(kv("a", "1", 2, 2, 1));
  }

  @Test
  void deleteEventCarriesTheKeyAndItsRevisionAndValueBeforeGivesTheDeletedValue() {
    s.put("a", "1");
    s.put("b", "1");

    s.delete(Kv.delRange("a", "c"));

    assertThat(s.lastCommit.events()).containsExactly(delete("a", 4, null), delete("b", 4, null));
    assertThat(s.store.valueBefore(b("a"), 4)).isEqualTo(kv("a", "1", 2, 2, 1));
    assertThat(s.store.valueBefore(b("b"), 4)).isEqualTo(kv("b", "1", 3, 3, 1));
    assertThat(s.store.valueBefore(b("b"), 5)).isNull();
  }

  @Test
  void valueBeforeACompactedRevisionIsNull() {
    s.put("a", "1");
    s.put("a", "2");
    s.put("a", "3");
    s.compact(3);

    assertThat(s.store.valueBefore(b("a"), 3)).isNull();
    assertThat(s.store.valueBefore(b("a"), 4)).isEqualTo(kv("a", "2", 2, 3, 2));
  }

  @Test
  void txnEventsShareTheRevisionInOperationOrder() {
    s.put("b", "0");

    s.txn(TxnRequest.newBuilder().addSuccess(op(Kv.put("z", "1")))
        .addSuccess(op(Kv.put("a", "1"))).addSuccess(op(Kv.del("b"))));

    assertThat(s.lastCommit.events()).containsExactly(
        put(kv("z", "1", 3, 3, 1), null),
        put(kv("a", "1", 3, 3, 1), null),
        delete("b", 3, null));
  }

  @Test
  void rangeEventsReplayHistoryOfARangeInRevisionOrder() {
    s.put("a", "1");
    s.put("x", "1");
    s.put("b", "1");
    s.put("a", "2");
    s.delete(Kv.del("b"));

    assertThat(s.store.rangeEvents(b("a"), b("c"), 3, 100, false)).containsExactly(
        put(kv("b", "1", 4, 4, 1), null),
        put(kv("a", "2", 2, 5, 2), null),
        Event.newBuilder().setType(EventType.DELETE)
            .setKv(KeyValue.newBuilder().setKey(b("b")).setModRevision(6)).build());
    assertThat(s.store.rangeEvents(b("a"), ByteString.EMPTY, 0, 4, false))
        .containsExactly(put(kv("a", "1", 2, 2, 1), null));
  }

  @Test
  void rangeEventsWithPrevKvCarryTheValueBeforeEachChange() {
    s.put("a", "1");
    s.put("a", "2");
    Event second = s.lastCommit.events().get(0);
    s.delete(Kv.del("a"));
    Event third = s.lastCommit.events().get(0);

    assertThat(s.store.rangeEvents(b("a"), ByteString.EMPTY, 3, 4, true)).containsExactly(
        second.toBuilder().setPrevKv(kv("a", "1", 2, 2, 1)).build(),
        third.toBuilder().setPrevKv(kv("a", "2", 2, 3, 2)).build());
  }

  @Test
  void rangeEventsFromACompactedRevisionFail() {
    s.put("a", "1");
    s.put("a", "2");
    s.compact(3);

    assertThatThrownBy(() -> s.store.rangeEvents(b("a"), ByteString.EMPTY, 2, 3, false))
        .isInstanceOf(CompactedException.class)
        .extracting(e -> ((CompactedException) e).compactRevision()).isEqualTo(3L);
    assertThat(s.store.rangeEvents(b("a"), ByteString.EMPTY, 3, 3, true))
        .containsExactly(put(kv("a", "2", 2, 3, 2), null));
  }

  @Test
  void rangeEventsStopAtTheCommittedRevision() {
    s.put("a", "1");
    WriteTxn open = s.store.beginWrite();
    open.put(Kv.put("a", "2").build());

    assertThat(s.store.rangeEvents(b("a"), ByteString.EMPTY, 0, Long.MAX_VALUE, false))
        .hasSize(1);
    open.commit(++s.index);
  }
}
