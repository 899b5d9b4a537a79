package io.kvstore.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.Entries;
import io.kvstore.raft.core.MemoryStorage;
import io.kvstore.raft.core.StorageException;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RocksDbLogStoreTest {
  @TempDir Path dir;

  static Entry entry(long index, long term) {
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setData(ByteString.copyFromUtf8("e" + index + "t" + term))
        .build();
  }

  static List<Entry> entries(long from, long to, long term) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(i, term));
    }
    return out;
  }

  static HardState hs(long term, long vote, long commit) {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build();
  }

  static StorageException.Kind failure(Runnable r) {
    try {
      r.run();
      return null;
    } catch (StorageException e) {
      return e.kind();
    }
  }

  @Test
  void newStoreIsEmpty() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.firstIndex()).isEqualTo(1);
      assertThat(s.lastIndex()).isZero();
      assertThat(s.term(0)).isZero();
      assertThat(s.entries(1, 1, Long.MAX_VALUE)).isEmpty();
      assertThat(failure(() -> s.term(1))).isEqualTo(StorageException.Kind.UNAVAILABLE);
      assertThat(failure(() -> s.entries(0, 1, 10))).isEqualTo(StorageException.Kind.COMPACTED);
      assertThat(s.initialState().hardState()).isEqualTo(HardState.getDefaultInstance());
      assertThat(s.initialState().confState()).isEqualTo(ConfState.getDefaultInstance());
      assertThat(s.snapshot().getMetadata()).isEqualTo(SnapshotMetadata.getDefaultInstance());
    }
  }

  @Test
  void appendsAndReadsWithSizeLimit() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      List<Entry> ents = entries(1, 5, 1);
      s.save(hs(1, 1, 2), ents);
      assertThat(s.firstIndex()).isEqualTo(1);
      assertThat(s.lastIndex()).isEqualTo(5);
      assertThat(s.term(3)).isEqualTo(1);
      assertThat(s.entries(1, 6, Long.MAX_VALUE)).isEqualTo(ents);
      assertThat(s.entries(2, 4, Long.MAX_VALUE)).isEqualTo(ents.subList(1, 3));
      long two = Entries.size(ents.get(0)) + Entries.size(ents.get(1));
      assertThat(s.entries(1, 6, two)).isEqualTo(ents.subList(0, 2));
      assertThat(s.entries(1, 6, 0)).isEqualTo(ents.subList(0, 1));
      assertThat(failure(() -> s.entries(1, 7, 10))).isEqualTo(StorageException.Kind.UNAVAILABLE);
      assertThat(s.initialState().hardState()).isEqualTo(hs(1, 1, 2));
    }
  }

  /** A Ready that only advances the commit index is written without an fsync, yet kept. */
  @Test
  void anUnsyncedSaveMakesNoFsyncAndIsReadBackAfterReopen() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir, new RocksDbLogStoreConfig(1 << 20, true))) {
      s.save(hs(1, 1, 1), entries(1, 3, 1));
      long syncs = s.syncCount();
      s.save(hs(1, 1, 3), List.of(), false);
      assertThat(s.syncCount()).isEqualTo(syncs);
      assertThat(s.initialState().hardState()).isEqualTo(hs(1, 1, 3));
      s.save(null, entries(4, 4, 1), true);
      assertThat(s.syncCount()).isEqualTo(syncs + 1);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.initialState().hardState()).isEqualTo(hs(1, 1, 3));
      assertThat(s.lastIndex()).isEqualTo(4);
    }
  }

  /** A reopen reads only the cached tail of the log again; older entries come from disk. */
  @Test
  void aReopenedStoreWithASmallTailCacheServesEveryEntry() {
    List<Entry> ents = entries(1, 10, 1);
    RocksDbLogStoreConfig small = new RocksDbLogStoreConfig(3 * Entries.size(ents.get(0)), false);
    try (RocksDbLogStore s = RocksDbLogStore.open(dir, small)) {
      s.save(hs(1, 1, 10), ents);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir, small)) {
      assertThat(s.lastIndex()).isEqualTo(10);
      assertThat(s.entries(1, 11, Long.MAX_VALUE)).isEqualTo(ents);
      assertThat(s.term(10)).isEqualTo(1);
      s.save(null, entries(11, 12, 2));
      assertThat(s.entries(9, 13, Long.MAX_VALUE)).hasSize(4);
    }
  }

  @Test
  void sizeLimitHoldsAcrossDiskAndCache() {
    List<Entry> ents = new ArrayList<>();
    for (long i = 1; i <= 10; i++) {
      ents.add(Entry.newBuilder().setIndex(i).setTerm(1).setData(ByteString.copyFrom(new byte[8])).build());
    }
    long each = Entries.size(ents.get(0));
    try (RocksDbLogStore s = RocksDbLogStore.open(dir, new RocksDbLogStoreConfig(3 * each, false))) {
      s.save(null, ents);
      for (int k = 1; k <= 10; k++) {
        assertThat(s.entries(1, 11, k * each)).as("limit of %d entries", k).isEqualTo(ents.subList(0, k));
        assertThat(s.entries(1, 11, k * each + each - 1)).isEqualTo(ents.subList(0, k));
      }
      assertThat(s.entries(5, 11, 0)).isEqualTo(ents.subList(4, 5));
    }
  }

  @Test
  void truncatesConflictingSuffixDurably() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      s.save(null, entries(1, 5, 1));
      s.save(null, entries(3, 4, 2));
      assertThat(s.lastIndex()).isEqualTo(4);
      assertThat(s.term(3)).isEqualTo(2);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.lastIndex()).isEqualTo(4);
      List<Entry> expected = new ArrayList<>(entries(1, 2, 1));
      expected.addAll(entries(3, 4, 2));
      assertThat(s.entries(1, 5, Long.MAX_VALUE)).isEqualTo(expected);
    }
  }

  @Test
  void compactsAndReportsCompactedAndUnavailable() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      s.save(null, entries(1, 5, 1));
      s.compact(3);
      assertThat(s.firstIndex()).isEqualTo(4);
      assertThat(s.term(3)).isEqualTo(1);
      assertThat(failure(() -> s.term(2))).isEqualTo(StorageException.Kind.COMPACTED);
      assertThat(failure(() -> s.entries(3, 5, 100))).isEqualTo(StorageException.Kind.COMPACTED);
      assertThat(failure(() -> s.entries(4, 7, 100))).isEqualTo(StorageException.Kind.UNAVAILABLE);
      assertThat(failure(() -> s.term(6))).isEqualTo(StorageException.Kind.UNAVAILABLE);
      assertThatThrownBy(() -> s.compact(6)).isInstanceOf(IllegalArgumentException.class);
      s.compact(2);
      assertThat(s.firstIndex()).isEqualTo(4);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.firstIndex()).isEqualTo(4);
      assertThat(s.term(3)).isEqualTo(1);
      assertThat(s.entries(4, 6, Long.MAX_VALUE)).isEqualTo(entries(4, 5, 1));
    }
  }

  @Test
  void appliesSnapshotDurably() {
    ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build();
    SnapshotMetadata meta =
        SnapshotMetadata.newBuilder().setIndex(10).setTerm(3).setConfState(cs).build();
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      s.save(hs(2, 1, 4), entries(1, 12, 2));
      s.applySnapshot(meta);
      assertThat(s.firstIndex()).isEqualTo(11);
      assertThat(s.lastIndex()).isEqualTo(10);
      assertThat(s.term(10)).isEqualTo(3);
      assertThat(s.snapshot().getMetadata()).isEqualTo(meta);
      assertThat(s.snapshot().getData().isEmpty()).isTrue();
      assertThat(s.initialState().confState()).isEqualTo(cs);
      s.applySnapshot(meta.toBuilder().setIndex(8).build());
      assertThat(s.firstIndex()).isEqualTo(11);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.firstIndex()).isEqualTo(11);
      assertThat(s.lastIndex()).isEqualTo(10);
      assertThat(s.snapshot().getMetadata()).isEqualTo(meta);
      assertThat(s.initialState().confState()).isEqualTo(cs);
      s.save(hs(3, 1, 11), entries(11, 11, 3));
      assertThat(s.entries(11, 12, 100)).containsExactly(entry(11, 3));
    }
  }

  @Test
  void createSnapshotRecordsNewerMetadataOnly() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      s.save(null, entries(1, 5, 2));
      SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(4).setTerm(2).build();
      s.createSnapshot(meta);
      s.createSnapshot(SnapshotMetadata.newBuilder().setIndex(3).setTerm(2).build());
      assertThat(s.snapshot().getMetadata()).isEqualTo(meta);
      assertThat(s.firstIndex()).isEqualTo(1);
      assertThatThrownBy(() -> s.createSnapshot(meta.toBuilder().setIndex(6).build()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.createSnapshot(meta.toBuilder().setIndex(5).setTerm(1).build()))
          .isInstanceOf(IllegalArgumentException.class);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.snapshot().getMetadata().getIndex()).isEqualTo(4);
    }
  }

  @Test
  void hardStateAndConfStateSurviveReopen() {
    ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      s.save(hs(7, 2, 3), entries(1, 3, 7));
      s.setConfState(cs);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.initialState().hardState()).isEqualTo(hs(7, 2, 3));
      assertThat(s.initialState().confState()).isEqualTo(cs);
    }
  }

  @Test
  void rejectsInvalidWritesWithoutWritingAnything() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      s.save(hs(1, 1, 2), entries(1, 3, 1));
      assertThatThrownBy(() -> s.save(null, entries(5, 6, 1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("missing log entry");
      assertThatThrownBy(() -> s.save(hs(1, 1, 9), entries(4, 4, 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("commit 9");
      assertThatThrownBy(() -> s.save(null, List.of(entry(4, 1), entry(6, 1))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.save(null, entries(2, 2, 0)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("below the previous");
      assertThatThrownBy(() -> s.save(null, entries(1, 1, 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("past the last entry");
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.lastIndex()).isEqualTo(3);
      assertThat(s.initialState().hardState()).isEqualTo(hs(1, 1, 2));
    }
  }

  @Test
  void closedStoreRefusesCalls() {
    RocksDbLogStore s = RocksDbLogStore.open(dir);
    s.close();
    s.close();
    assertThatThrownBy(s::lastIndex).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void secondOpenIsRefusedAsInUseNotCorrupted() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThatThrownBy(() -> RocksDbLogStore.open(dir))
          .isExactlyInstanceOf(LogStoreException.class)
          .hasMessageContaining("already open");
      assertThat(s.lastIndex()).isZero();
    }
  }

  @Test
  void groupCommitSyncsOncePerSave() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      long before = s.syncCount();
      s.save(hs(1, 1, 0), entries(1, 256, 1));
      assertThat(s.syncCount() - before).isEqualTo(1);
      before = s.syncCount();
      for (long i = 257; i <= 512; i++) {
        s.save(null, List.of(entry(i, 1)));
      }
      assertThat(s.syncCount() - before).isEqualTo(256);
      before = s.syncCount();
      s.save(hs(1, 1, 0), List.of());
      assertThat(s.syncCount() - before).isZero();
    }
  }

  @Test
  void syncCountNeedsStatistics() {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir, new RocksDbLogStoreConfig(1024, false))) {
      assertThatThrownBy(s::syncCount).isInstanceOf(IllegalStateException.class);
    }
    assertThatThrownBy(() -> new RocksDbLogStoreConfig(-1, true).validate())
        .hasMessageContaining("tailCacheBytes");
  }

  /** Random appends (with conflicts), compactions and snapshots; the stores must agree. */
  @ParameterizedTest
  @ValueSource(longs = {0, 300, 64L << 20})
  void behavesLikeMemoryStorage(long cacheBytes) {
    RocksDbLogStoreConfig config = new RocksDbLogStoreConfig(cacheBytes, false);
    Random rnd = new Random(42);
    MemoryStorage mem = new MemoryStorage();
    RocksDbLogStore db = RocksDbLogStore.open(dir, config);
    try {
      long term = 1;
      for (int op = 0; op < 400; op++) {
        int kind = rnd.nextInt(10);
        if (kind < 6) {
          long lo = Math.max(1, mem.firstIndex() - 2);
          long start = lo + rnd.nextInt((int) (mem.lastIndex() + 2 - lo));
          term += rnd.nextInt(3) == 0 ? 1 : 0;
          List<Entry> ents = new ArrayList<>();
          for (long i = start; i < start + rnd.nextInt(6); i++) {
            ents.add(
                Entry.newBuilder()
                    .setIndex(i)
                    .setTerm(term)
                    .setData(ByteString.copyFrom(new byte[rnd.nextInt(40)]))
                    .build());
          }
          mem.append(ents);
          db.save(null, ents);
        } else if (kind < 8) {
          long i = mem.firstIndex() - 1 + rnd.nextInt((int) (mem.lastIndex() - mem.firstIndex() + 2));
          mem.compact(i);
          db.compact(i);
        } else if (kind < 9) {
          long i = mem.lastIndex() - rnd.nextInt(3);
          if (i >= mem.firstIndex() - 1) {
            db.createSnapshot(
                mem.createSnapshot(i, ConfState.getDefaultInstance(), ByteString.EMPTY).getMetadata());
          }
        } else {
          term++;
          SnapshotMetadata meta =
              SnapshotMetadata.newBuilder()
                  .setIndex(mem.lastIndex() + rnd.nextInt(5))
                  .setTerm(term)
                  .build();
          mem.applySnapshot(io.kvstore.raft.pb.Snapshot.newBuilder().setMetadata(meta).build());
          db.applySnapshot(meta);
        }
        if (op % 50 == 49) {
          db.close();
          db = RocksDbLogStore.open(dir, config);
        }
        assertSame(mem, db, rnd, "op " + op);
      }
    } finally {
      db.close();
    }
  }

  private static void assertSame(MemoryStorage mem, RocksDbLogStore db, Random rnd, String at) {
    assertThat(db.firstIndex()).as(at).isEqualTo(mem.firstIndex());
    assertThat(db.lastIndex()).as(at).isEqualTo(mem.lastIndex());
    assertThat(db.snapshot().getMetadata().getIndex())
        .as(at)
        .isEqualTo(mem.snapshot().getMetadata().getIndex());
    for (long i = mem.firstIndex() - 2; i <= mem.lastIndex() + 1; i++) {
      long index = i;
      assertThat(outcome(() -> db.term(index))).as(at + " term " + i).isEqualTo(outcome(() -> mem.term(index)));
    }
    for (int k = 0; k < 5; k++) {
      long lo = Math.max(0, mem.firstIndex() - 1 + rnd.nextInt(4) - 1);
      long hi = lo + rnd.nextInt((int) Math.max(1, mem.lastIndex() - lo + 3));
      long max = rnd.nextInt(3) == 0 ? Long.MAX_VALUE : rnd.nextInt(200);
      assertThat(outcome(() -> db.entries(lo, hi, max)))
          .as(at + " entries [" + lo + ", " + hi + ") max " + max)
          .isEqualTo(outcome(() -> mem.entries(lo, hi, max)));
    }
  }

  private static Object outcome(Supplier<Object> read) {
    try {
      return read.get();
    } catch (StorageException e) {
      return e.kind();
    }
  }
}
