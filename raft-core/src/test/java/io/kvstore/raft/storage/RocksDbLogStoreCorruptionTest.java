package io.kvstore.raft.storage;

import static io.kvstore.raft.storage.RocksDbLogStoreTest.entries;
import static io.kvstore.raft.storage.RocksDbLogStoreTest.hs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Entry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Damaged stores are refused at open, naming the file, and left on disk untouched — except a torn
 * last WAL record, which by design (TolerateCorruptedTailRecords) is dropped.
 */
class RocksDbLogStoreCorruptionTest {
  private static final byte FILL = 'x';

  @TempDir Path dir;

  /**
   * Entries 1..100 in sorted tables (flushed at close), then 101..150 in the WAL, 10 a batch, as
   * a crash leaves them: the directory is copied while the store is open, before its close would
   * flush them to tables too.
   */
  private void populate() throws IOException {
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      for (long i = 1; i <= 100; i += 10) {
        s.save(hs(1, 1, i), batch(i));
      }
    }
    Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      for (long i = 101; i <= 150; i += 10) {
        s.save(hs(1, 1, i), batch(i));
      }
      copyFiles(dir, crashed);
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    copyFiles(crashed, dir);
  }

  private static void copyFiles(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }

  @Test
  void aStoreThatEndsBeforeWhatWasAppliedIsRefusedUntouchedNamingItsNewestWal()
      throws IOException {
    populate();
    String wal = newest("*.log").getFileName().toString();
    List<String> before = listing();

    assertThatThrownBy(() -> RocksDbLogStore.open(dir, 151))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("lost synced records")
        .hasMessageContaining("last index is 150")
        .hasMessageContaining(wal)
        .satisfies(e -> assertThat(((LogStoreCorruptedException) e).path().getFileName())
            .hasToString(wal));
    assertThat(listing()).isEqualTo(before);
  }

  /** A commit index is written unsynced; entries applied from the log were committed. */
  @Test
  void aCommitIndexBelowWhatWasAppliedIsRaisedToItAndKept() throws IOException {
    populate();

    try (RocksDbLogStore s = RocksDbLogStore.open(dir, 148)) {
      assertThat(s.initialState().hardState().getCommit()).isEqualTo(148);
    }
    try (RocksDbLogStore s = RocksDbLogStore.open(dir, 0)) {
      assertThat(s.initialState().hardState().getCommit()).isEqualTo(148);
    }
  }

  private static List<Entry> batch(long from) {
    List<Entry> out = new ArrayList<>();
    byte[] data = new byte[100];
    Arrays.fill(data, FILL);
    for (long i = from; i < from + 10; i++) {
      out.add(Entry.newBuilder().setIndex(i).setTerm(1).setData(ByteString.copyFrom(data)).build());
    }
    return out;
  }

  private Path newest(String glob) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName()))
          .max(Comparator.comparing(Path::toString))
          .orElseThrow(() -> new AssertionError("no " + glob + " in " + dir));
    }
  }

  private Path largest(String glob) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName()))
          .max(Comparator.comparing(f -> f.toFile().length()))
          .orElseThrow(() -> new AssertionError("no " + glob + " in " + dir));
    }
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName() + ":" + f.toFile().length()).sorted().toList();
    }
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x01);
    }
  }

  private static void truncate(Path file, long newLength) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(newLength);
    }
  }

  /** Overwrites one byte of entry payload at or after the middle of the file. */
  private static void flipPayloadByte(Path file, long from) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    for (int i = (int) from; i < bytes.length - 20; i++) {
      if (bytes[i] == FILL && bytes[i + 1] == FILL) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
          f.seek(i);
          f.write(FILL ^ 0x01);
        }
        return;
      }
    }
    throw new AssertionError("no payload found in " + file);
  }

  private void assertRefused(Path damaged, long damagedSize) throws IOException {
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOfSatisfying(
            LogStoreCorruptedException.class,
            e -> assertThat(e.path()).isEqualTo(damaged))
        .hasMessageContaining(damaged.getFileName().toString())
        .hasMessageContaining(dir.toString());
    assertThat(damaged).exists();
    assertThat(Files.size(damaged)).isEqualTo(damagedSize);
  }

  @Test
  void truncatedSstIsRefused() throws IOException {
    populate();
    Path sst = newest("*.sst");
    truncate(sst, Files.size(sst) / 2);
    assertRefused(sst, Files.size(sst));
  }

  @Test
  void flippedByteInSstIsRefused() throws IOException {
    populate();
    Path sst = largest("*.sst");
    flipByte(sst, 20);
    assertRefused(sst, Files.size(sst));
  }

  /** RocksDB alone would open an empty database and delete the tables; the store refuses. */
  @Test
  void truncatedManifestIsRefusedAndNoTableDeleted() throws IOException {
    populate();
    Path manifest = newest("MANIFEST-*");
    truncate(manifest, Files.size(manifest) / 2);
    List<String> before = listing();
    assertRefused(manifest, Files.size(manifest));
    assertThat(listing()).isEqualTo(before);
  }

  @Test
  void flippedByteInManifestIsRefused() throws IOException {
    populate();
    Path manifest = newest("MANIFEST-*");
    flipByte(manifest, Files.size(manifest) / 2);
    assertRefused(manifest, Files.size(manifest));
  }

  @Test
  void flippedByteInMiddleOfWalIsRefused() throws IOException {
    populate();
    Path wal = newest("*.log");
    flipPayloadByte(wal, Files.size(wal) / 2);
    assertRefused(wal, Files.size(wal));
  }

  @Test
  void flippedByteInLastWalRecordIsRefused() throws IOException {
    populate();
    Path wal = newest("*.log");
    flipPayloadByte(wal, Files.size(wal) - 200);
    assertRefused(wal, Files.size(wal));
  }

  @Test
  void tornLastWalRecordIsDroppedAndEarlierOnesKept() throws IOException {
    populate();
    Path wal = newest("*.log");
    truncate(wal, Files.size(wal) - 5);
    try (RocksDbLogStore s = RocksDbLogStore.open(dir)) {
      assertThat(s.lastIndex()).isEqualTo(140);
      assertThat(s.initialState().hardState()).isEqualTo(hs(1, 1, 131));
      assertThat(s.entries(1, 141, Long.MAX_VALUE)).hasSize(140);
    }
  }

  @Test
  void missingCurrentIsRefusedNotRecreated() throws IOException {
    populate();
    Files.delete(dir.resolve("CURRENT"));
    long files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.count();
    }
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("CURRENT is missing");
    try (Stream<Path> list = Files.list(dir)) {
      assertThat(list.count()).isEqualTo(files);
    }
  }

  @Test
  void gapInLogIsRefused() throws Exception {
    populate();
    rawWrite((db, log, meta) -> db.delete(log, LogKeys.index(70)));
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOfSatisfying(
            LogStoreCorruptedException.class, e -> assertThat(e.path()).isEqualTo(dir))
        .hasMessageContaining("log entries 70..70 are missing");
  }

  @Test
  void entryUnderWrongKeyIsRefused() throws Exception {
    populate();
    rawWrite((db, log, meta) -> db.put(log, LogKeys.index(70), batch(71).get(0).toByteArray()));
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("log key 70 holds the entry of index 71");
  }

  @Test
  void unparsableEntryIsRefused() throws Exception {
    populate();
    rawWrite((db, log, meta) -> db.put(log, LogKeys.index(70), new byte[] {(byte) 0xff}));
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("log entry 70 does not parse");
  }

  @Test
  void decreasingTermIsRefused() throws Exception {
    populate();
    rawWrite(
        (db, log, meta) ->
            db.put(log, LogKeys.index(70), batch(70).get(0).toBuilder().setTerm(0).build().toByteArray()));
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("log entry 70 has term 0");
  }

  @Test
  void commitBeyondLastIndexIsRefused() throws Exception {
    populate();
    rawWrite((db, log, meta) -> db.put(meta, LogKeys.HARD_STATE, hs(1, 1, 151).toByteArray()));
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("commits 151 but the log ends at 150");
  }

  @Test
  void badCompactionPointIsRefused() throws Exception {
    populate();
    rawWrite((db, log, meta) -> db.put(meta, LogKeys.COMPACTION, new byte[3]));
    assertThatThrownBy(() -> RocksDbLogStore.open(dir))
        .isInstanceOf(LogStoreCorruptedException.class)
        .hasMessageContaining("compaction point is 3 bytes");
  }

  /** A change made behind the store's back. */
  @FunctionalInterface
  private interface RawChange {
    void apply(RocksDB db, ColumnFamilyHandle log, ColumnFamilyHandle meta) throws RocksDBException;
  }

  private void rawWrite(RawChange change) throws RocksDBException {
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions options = new DBOptions();
        RocksDB db =
            RocksDB.open(
                options,
                dir.toString(),
                List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                    new ColumnFamilyDescriptor("log".getBytes(StandardCharsets.US_ASCII)),
                    new ColumnFamilyDescriptor("meta".getBytes(StandardCharsets.US_ASCII))),
                handles)) {
      try {
        change.apply(db, handles.get(1), handles.get(2));
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
  }
}
