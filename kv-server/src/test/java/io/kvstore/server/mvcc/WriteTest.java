package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.b;
import static io.kvstore.server.mvcc.Kv.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.mvccpb.KeyValue;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revisions, versions and the put and delete options, as etcd answers them. */
class WriteTest {
  @TempDir Path tmp;
  private StoreFixture s;

  @BeforeEach
  void open() {
    s = new StoreFixture(tmp.resolve("db"), Set.of(7L)::contains);
  }

  @AfterEach
  void close() {
    s.close();
  }

  private KeyValue only(String key) {
    return s.range(Kv.get(key)).getKvs(0);
  }

  @Test
  void freshStoreIsAtRevisionOne() {
    assertThat(s.store.currentRevision()).isEqualTo(1);
    assertThat(s.store.compactRevision()).isEqualTo(-1);
    assertThat(s.range(Kv.get("a")).getHeader().getRevision()).isEqualTo(1);
    assertThat(s.range(Kv.get("a")).getCount()).isZero();
  }

  @Test
  void eachPutAddsOneRevision() {
    assertThat(s.put("a", "1").getHeader().getRevision()).isEqualTo(2);
    assertThat(s.put("b", "1").getHeader().getRevision()).isEqualTo(3);

    assertThat(s.store.currentRevision()).isEqualTo(3);
    assertThat(only("a")).isEqualTo(kv("a", "1", 2, 2, 1));
  }

  @Test
  void putOfTheSameKeyKeepsCreateRevisionAndCountsVersions() {
    s.put("a", "1");
    s.put("a", "2");
    s.put("a", "3");

    assertThat(only("a")).isEqualTo(kv("a", "3", 2, 4, 3));
  }

  @Test
  void deleteAddsARevisionAndRecreationStartsOver() {
    s.put("a", "1");
    s.put("a", "2");

    DeleteRangeResponse del = s.delete(Kv.del("a"));
    PutResponse again = s.put("a", "3");

    assertThat(del.getDeleted()).isEqualTo(1);
    assertThat(del.getHeader().getRevision()).isEqualTo(4);
    assertThat(again.getHeader().getRevision()).isEqualTo(5);
    assertThat(only("a")).isEqualTo(kv("a", "3", 5, 5, 1));
    assertThat(s.range(Kv.get("a").setRevision(4)).getKvsCount()).isZero();
    assertThat(s.range(Kv.get("a").setRevision(3)).getKvs(0)).isEqualTo(kv("a", "2", 2, 3, 2));
  }

  @Test
  void deletingNothingKeepsTheRevision() {
    s.put("a", "1");

    DeleteRangeResponse del = s.delete(Kv.del("b"));

    assertThat(del.getDeleted()).isZero();
    assertThat(del.getHeader().getRevision()).isEqualTo(2);
    assertThat(s.store.currentRevision()).isEqualTo(2);
    assertThat(s.lastCommit.events()).isEmpty();
    assertThat(s.backend.appliedIndex()).isEqualTo(s.index);
  }

  @Test
  void deleteRangeDeletesEveryKeyInOneRevisionWithPrevKvs() {
    s.put("a", "1");
    s.put("b", "2");
    s.put("c", "3");

    DeleteRangeResponse del = s.delete(Kv.delRange("a", "c").setPrevKv(true));

    assertThat(del.getDeleted()).isEqualTo(2);
    assertThat(del.getHeader().getRevision()).isEqualTo(5);
    assertThat(del.getPrevKvsList()).containsExactly(kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1));
    assertThat(s.range(Kv.getRange("a", "\0")).getKvsList()).extracting(KeyValue::getKey)
        .containsExactly(b("c"));
  }

  @Test
  void deleteFromKeyWithZeroByteEnd() {
    s.put("a", "1");
    s.put("b", "2");

    assertThat(s.delete(Kv.delRange("b", "\0")).getDeleted()).isEqualTo(1);
    assertThat(s.range(Kv.getRange("a", "\0")).getCount()).isEqualTo(1);
  }

  @Test
  void prevKvOnPut() {
    assertThat(s.put(Kv.put("a", "1").setPrevKv(true)).hasPrevKv()).isFalse();

    PutResponse second = s.put(Kv.put("a", "2").setPrevKv(true));

    assertThat(second.getPrevKv()).isEqualTo(kv("a", "1", 2, 2, 1));
  }

  @Test
  void ignoreValueKeepsTheValueAndIgnoreLeaseTheLease() {
    s.put(Kv.put("a", "1").setLease(7));

    s.put(Kv.put("a", "").setIgnoreValue(true).setLease(7));
    assertThat(only("a")).isEqualTo(kv("a", "1", 2, 3, 2).toBuilder().setLease(7).build());
    s.put(Kv.put("a", "2").setIgnoreLease(true));
    assertThat(only("a")).isEqualTo(kv("a", "2", 2, 4, 3).toBuilder().setLease(7).build());
  }

  @Test
  void ignoreValueOrLeaseOnAMissingKeyIsKeyNotFoundAndChangesNothing() {
    s.put("b", "1");
    long index = s.index;

    assertThatThrownBy(() -> s.put(Kv.put("a", "").setIgnoreValue(true)))
        .isInstanceOf(InvalidRequestException.class).hasMessage("etcdserver: key not found")
        .extracting(e -> ((EtcdException) e).code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
    assertThatThrownBy(() -> s.put(Kv.put("a", "x").setIgnoreLease(true)))
        .hasMessage("etcdserver: key not found");

    assertThat(s.store.currentRevision()).isEqualTo(2);
    assertThat(s.backend.appliedIndex()).isEqualTo(index + 2);
  }

  @Test
  void unknownLeaseIsRefused() {
    assertThatThrownBy(() -> s.put(Kv.put("a", "1").setLease(8)))
        .isInstanceOf(LeaseNotFoundException.class)
        .hasMessage("etcdserver: requested lease not found")
        .extracting(e -> ((EtcdException) e).code()).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(s.store.currentRevision()).isEqualTo(1);
  }

  @Test
  void standalonePutChecksTheLeaseBeforeTheKey() {
    assertThatThrownBy(() -> s.put(Kv.put("a", "").setIgnoreValue(true).setLease(8)))
        .isInstanceOf(LeaseNotFoundException.class);
  }

  @Test
  void binaryKeysAndValuesRoundTrip() {
    byte[] key = {0, (byte) 0xff, 1};
    byte[] value = {(byte) 0x80, 0};
    s.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(key))
        .setValue(ByteString.copyFrom(value)));

    KeyValue got = s.store.range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(key))
        .build()).getKvs(0);
    assertThat(got.getValue().toByteArray()).containsExactly(value);
  }

  @Test
  void writeTxnsAreOneAtATimeAndCommitOnce() {
    WriteTxn txn = s.store.beginWrite();
    assertThatThrownBy(() -> s.store.beginWrite()).isInstanceOf(IllegalStateException.class);
    txn.commit(++s.index);

    assertThatThrownBy(() -> txn.commit(++s.index)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> txn.put(Kv.put("a", "1").build()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void uncommittedChangesAreInvisible() {
    s.put("a", "1");
    WriteTxn txn = s.store.beginWrite();
    txn.put(Kv.put("a", "2").build());
    txn.put(Kv.put("b", "2").build());

    assertThat(s.store.currentRevision()).isEqualTo(2);
    assertThat(only("a").getValue()).isEqualTo(b("1"));
    assertThat(s.range(Kv.get("b")).getCount()).isZero();

    txn.commit(++s.index);
    assertThat(only("a").getValue()).isEqualTo(b("2"));
  }
}
