package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction: which revisions stay readable, what leaves the backend, the errors. The data: rev 2
 * a=1, rev 3 a=2, rev 4 b=1, rev 5 b deleted, rev 6 a=3.
 */
class CompactionTest {
  @TempDir Path tmp;
  private StoreFixture s;

  @BeforeEach
  void fill() {
    s = new StoreFixture(tmp.resolve("db"));
    s.put("a", "1");
    s.put("a", "2");
    s.put("b", "1");
    s.delete(Kv.del("b"));
    s.put("a", "3");
  }

  @AfterEach
  void close() {
    s.close();
  }

  private List<Revision> storedRevisions() {
    List<Revision> revs = new ArrayList<>();
    s.backend.scanRevisions(new byte[] {0}, new byte[] {(byte) 0x80},
        (key, value) -> revs.add(Revision.decode(key)));
    return revs;
  }

  @Test
  void compactionKeepsTheLatestRevisionOfEachLiveKey() {
    CompactionResponse resp = s.compact(5);

    assertThat(resp.getHeader().getRevision()).isEqualTo(6);
    assertThat(s.store.compactRevision()).isEqualTo(5);
    assertThat(s.store.currentRevision()).isEqualTo(6);
    assertThat(storedRevisions()).containsExactly(Revision.first(3), Revision.first(5),
        Revision.first(6));
    assertThat(s.range(Kv.get("a").setRevision(5)).getKvs(0).getValue()).isEqualTo(b("2"));
    assertThat(s.range(Kv.get("a")).getKvs(0)).isEqualTo(Kv.kv("a", "3", 2, 6, 3));
    assertThat(s.range(Kv.get("b").setRevision(5)).getCount()).isZero();
  }

  @Test
  void compactionPastATombstoneRemovesTheKey() {
    s.compact(6);

    assertThat(storedRevisions()).containsExactly(Revision.first(6));
    assertThat(s.range(Kv.getRange("a", "\0")).getCount()).isEqualTo(1);
  }

  @Test
  void compactionDoesNotChangeTheRevisionAndKeepsVersions() {
    s.compact(6);
    s.put("a", "4");

    assertThat(s.range(Kv.get("a")).getKvs(0)).isEqualTo(Kv.kv("a", "4", 2, 7, 4));
  }

  @Test
  void readsBelowTheCompactRevisionFail() {
    s.compact(4);

    assertThatThrownBy(() -> s.range(Kv.get("a").setRevision(3)))
        .isInstanceOf(CompactedException.class);
    assertThat(s.range(Kv.get("a").setRevision(4)).getKvs(0).getValue()).isEqualTo(b("2"));
  }

  @Test
  void compactingAtOrBelowTheCompactedRevisionIsRefused() {
    s.compact(4);

    assertThatThrownBy(() -> s.compact(4))
        .isInstanceOf(CompactedException.class)
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThatThrownBy(() -> s.compact(3)).isInstanceOf(CompactedException.class);
  }

  @Test
  void compactingTheFutureIsRefused() {
    assertThatThrownBy(() -> s.compact(7))
        .isInstanceOf(FutureRevisionException.class)
        .hasMessage("etcdserver: mvcc: required revision is a future revision");
    assertThat(s.store.compactRevision()).isEqualTo(-1);
  }

  @Test
  void compactionAtZeroIsAllowedOnceAsInEtcd() {
    s.compact(0);

    assertThat(s.store.compactRevision()).isZero();
    assertThatThrownBy(() -> s.compact(0)).isInstanceOf(CompactedException.class);
  }

  @Test
  void physicalCompactionIsDoneWhenTheCommitReturns() {
    s.apply(t -> t.compact(CompactionRequest.newBuilder().setRevision(5).setPhysical(true)
        .build()));

    assertThat(storedRevisions()).containsExactly(Revision.first(3), Revision.first(5),
        Revision.first(6));
  }

  @Test
  void compactionAmongManyRevisionsSpansSeveralBatches() {
    for (int i = 0; i < Compactor.BATCH * 2 + 10; i++) {
      s.put("k", Integer.toString(i));
    }
    long last = s.store.currentRevision();

    s.compact(last);

    assertThat(storedRevisions()).containsExactly(Revision.first(6), Revision.first(last));
  }

  @Test
  void compactionMustBeAloneInItsTxn() {
    assertThatThrownBy(() -> s.apply(t -> {
      t.put(Kv.put("c", "1").build());
      return t.compact(CompactionRequest.newBuilder().setRevision(2).build());
    })).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void interruptedCompactionIsFinishedAtOpen() {
    // As if the member crashed after recording the compaction but before deleting anything.
    try (var batch = s.backend.newBatch()) {
      batch.putMeta(MvccStore.SCHEDULED_COMPACT_KEY, Revision.first(5).encode());
      s.backend.commit(++s.index, batch);
    }

    s.reopen();

    assertThat(s.store.compactRevision()).isEqualTo(5);
    assertThat(storedRevisions()).containsExactly(Revision.first(3), Revision.first(5),
        Revision.first(6));
  }

  @Test
  void deletionAtTheCompactRevisionIsKeptAndTheRevisionSurvivesReopen() {
    s.delete(Kv.del("a"));
    s.compact(7);
    assertThat(storedRevisions()).containsExactly(Revision.first(7));

    s.reopen();

    assertThat(s.store.currentRevision()).isEqualTo(7);
    assertThat(s.range(Kv.getRange("a", "\0")).getCount()).isZero();
    assertThat(s.put("x", "1").getHeader().getRevision()).isEqualTo(8);
  }
}
