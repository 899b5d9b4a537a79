package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.backend.BackendStateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index rebuilt from the backend — at reopen and after a snapshot restore — answers alike. */
class RebuildTest {
  @TempDir Path tmp;
  private StoreFixture s;

  @BeforeEach
  void fill() {
    s = new StoreFixture(tmp.resolve("db"));
    s.put("a", "1");
    s.put("b", "1");
    s.put("a", "2");
    s.delete(Kv.del("b"));
    s.put("b", "2");
    s.txn(TxnRequest.newBuilder().addSuccess(op(Kv.put("c", "1"))).addSuccess(op(Kv.del("a"))));
    s.put("a", "3");
    s.compact(4);
    s.put("d", "1");
  }

  @AfterEach
  void close() {
    s.close();
  }

  /** Ranges at every readable revision, in every form; reads only. */
  private static List<Object> answers(MvccStore store) {
    List<Object> out = new ArrayList<>();
    out.add(store.currentRevision());
    out.add(store.compactRevision());
    for (long rev = store.compactRevision(); rev <= store.currentRevision(); rev++) {
      RangeRequest all = Kv.getRange("\0", "\0").setRevision(rev).build();
      out.add(store.range(all));
      for (String k : List.of("a", "b", "c", "d")) {
        out.add(store.range(Kv.get(k).setRevision(rev).build()));
      }
    }
    out.add(store.rangeEvents(Kv.b("\0"), Kv.b("\0"), store.compactRevision(), Long.MAX_VALUE,
        true));
    return out;
  }

  @Test
  void reopenGivesIdenticalAnswers() {
    List<Object> before = answers(s.store);

    s.reopen();

    assertThat(answers(s.store)).isEqualTo(before);
    RangeResponse a = s.range(Kv.get("a"));
    assertThat(a.getKvs(0)).isEqualTo(Kv.kv("a", "3", 8, 8, 1));
    assertThat(s.put("a", "4").getHeader().getRevision()).isEqualTo(10);
    assertThat(s.range(Kv.get("a")).getKvs(0)).isEqualTo(Kv.kv("a", "4", 8, 10, 2));
  }

  @Test
  void reopenKeepsTheCompactRevision() {
    s.reopen();

    assertThatThrownBy(() -> s.range(Kv.get("a").setRevision(3)))
        .isInstanceOf(CompactedException.class);
    assertThatThrownBy(() -> s.compact(4)).isInstanceOf(CompactedException.class);
  }

  @Test
  void snapshotRestoreRebuildsTheStoreFromTheNewBackend() throws IOException {
    List<Object> expected = answers(s.store);
    BackendStateMachine source = new BackendStateMachine(s.backend, s.store, StoreFixture.NO_REQUESTS,
        tmp.resolve("source-checkpoints"), members -> { });
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    source.snapshot().writeTo(snapshot);

    try (StoreFixture target = new StoreFixture(tmp.resolve("target-db"))) {
      target.put("stale", "x");
      target.put("stale", "y");
      BackendStateMachine sm = new BackendStateMachine(target.backend, target.store,
          StoreFixture.NO_REQUESTS,
          tmp.resolve("target-checkpoints"), members -> { });

      sm.restore(SnapshotMetadata.newBuilder().setIndex(s.index).build(),
          new ByteArrayInputStream(snapshot.toByteArray()));
      target.backend = sm.backend();

      assertThat(answers(target.store)).isEqualTo(expected);
      assertThat(target.range(Kv.get("stale")).getCount()).isZero();
      WriteTxn txn = target.store.beginWrite();
      txn.put(Kv.put("e", "1").build());
      assertThat(txn.commit(s.index + 1).revision()).isEqualTo(10);
      assertThat(sm.backend().appliedIndex()).isEqualTo(s.index + 1);
    }
  }

  @Test
  void failedRestoreLeavesTheStoreRefusingReads() throws IOException {
    try (StoreFixture target = new StoreFixture(tmp.resolve("target-db"))) {
      BackendStateMachine sm = new BackendStateMachine(target.backend, target.store,
          StoreFixture.NO_REQUESTS,
          tmp.resolve("target-checkpoints"), members -> { });

      assertThatThrownBy(() -> sm.restore(SnapshotMetadata.getDefaultInstance(),
          new ByteArrayInputStream(new byte[] {1, 2, 3}))).isInstanceOf(IOException.class);

      assertThatThrownBy(() -> target.range(Kv.get("a")))
          .isInstanceOf(IllegalStateException.class);
      target.backend = Backend.open(tmp.resolve("target-db"));
      assertThat(MvccStore.open(target.backend, LeaseLookup.ANY).currentRevision()).isEqualTo(1);
    }
  }
}
