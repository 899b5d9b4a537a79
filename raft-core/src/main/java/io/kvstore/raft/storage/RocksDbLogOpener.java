package io.kvstore.raft.storage;

import io.kvstore.raft.pb.HardState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;

/**
 * Opens a {@link RocksDbLogStore}: prepares the directory, checks an existing store read-only
 * first, opens it for writing, and turns RocksDB's failures into {@link LogStoreException} or
 * {@link LogStoreCorruptedException} naming the damaged file. Stateless.
 */
final class RocksDbLogOpener {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] LOG_CF = "log".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] META_CF = "meta".getBytes(StandardCharsets.US_ASCII);

  private RocksDbLogOpener() {}

  /** Opens the store in {@code dir}; see {@link RocksDbLogStore#open(Path, RocksDbLogStoreConfig)}. */
  static RocksDbLogStore open(Path dir, RocksDbLogStoreConfig config, long appliedIndex) {
    config.validate();
    boolean fresh = prepareDirectory(dir);
    long scanFrom = fresh ? 0 : verifyReadOnly(dir, config, appliedIndex);
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    RocksDbLogger logger = push(resources, new RocksDbLogger());
    try {
      Statistics statistics = config.statistics() ? push(resources, new Statistics()) : null;
      DBOptions dbOptions =
          push(resources, new DBOptions())
              .setCreateIfMissing(fresh)
              .setCreateMissingColumnFamilies(fresh)
              .setParanoidChecks(true)
              .setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
              .setLogger(logger);
      if (statistics != null) {
        dbOptions.setStatistics(statistics);
      }
      ColumnFamilyOptions cfOptions = push(resources, new ColumnFamilyOptions());
      WriteOptions syncWrite = push(resources, new WriteOptions().setSync(true));
      WriteOptions asyncWrite = push(resources, new WriteOptions());
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db =
          push(resources, RocksDB.open(dbOptions, dir.toString(), descriptors(cfOptions), handles));
      handles.forEach(resources::push);
      TailCache cache = new TailCache(config.tailCacheBytes(), 1);
      LogRecovery.Recovered state =
          LogRecovery.recover(dir, db, handles.get(2), handles.get(1), cache, scanFrom);
      if (!state.formatted()) {
        db.put(handles.get(2), syncWrite, LogKeys.FORMAT, new byte[] {LogKeys.FORMAT_VERSION});
      }
      state = raiseCommitToApplied(db, handles.get(2), syncWrite, state, appliedIndex);
      return new RocksDbLogStore(
          dir, db, handles, syncWrite, asyncWrite, statistics, resources, cache, state);
    } catch (RocksDBException e) {
      closeAll(resources);
      throw openFailure(dir, e, logger);
    } catch (RuntimeException | Error e) {
      closeAll(resources);
      throw e;
    }
  }

  /**
   * Checks an existing store through a read-only open, which (unlike a read-write open) never
   * deletes or adds files: RocksDB would otherwise delete the tables a damaged MANIFEST no longer
   * lists. Also refuses a log that ends before {@code appliedIndex} (see {@link
   * RocksDbLogStore#open(Path, long)}). Returns the first entry the tail cache would hold, from
   * which the read-write open reads the log again.
   */
  private static long verifyReadOnly(Path dir, RocksDbLogStoreConfig config, long appliedIndex) {
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    RocksDbLogger logger = push(resources, new RocksDbLogger());
    try {
      DBOptions dbOptions =
          push(resources, new DBOptions())
              .setParanoidChecks(true)
              .setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
              .setLogger(logger);
      ColumnFamilyOptions cfOptions = push(resources, new ColumnFamilyOptions());
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db =
          push(
              resources,
              RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors(cfOptions), handles));
      handles.forEach(resources::push);
      db.verifyChecksum();
      Set<String> live = new HashSet<>();
      for (LiveFileMetaData f : db.getLiveFilesMetaData()) {
        live.add(Path.of(f.fileName()).getFileName().toString());
      }
      List<String> unlisted = tables(dir).stream().filter(f -> !live.contains(f)).toList();
      String damage;
      try {
        TailCache tail = new TailCache(config.tailCacheBytes(), 1);
        LogRecovery.Recovered state =
            LogRecovery.recover(dir, db, handles.get(2), handles.get(1), tail);
        if (state.formatted() || (state.empty() && unlisted.isEmpty())) {
          refuseIfBehind(dir, state, appliedIndex);
          return tail.firstIndex();
        }
        damage = "the format marker is missing";
      } catch (LogStoreCorruptedException e) {
        if (unlisted.isEmpty()) {
          throw e;
        }
        damage = e.getMessage();
      }
      if (unlisted.isEmpty()) {
        throw new LogStoreCorruptedException(dir, "log store " + dir + " is corrupted: " + damage, null);
      }
      String manifest = currentManifest(dir);
      throw new LogStoreCorruptedException(
          dir.resolve(manifest),
          "log store " + dir + " is corrupted: file " + manifest + " does not list the tables "
              + unlisted + " (" + damage + "); nothing was deleted",
          null);
    } catch (RocksDBException e) {
      throw openFailure(dir, e, logger);
    } finally {
      closeAll(resources);
    }
  }

  /**
   * Refuses a log that ends before {@code appliedIndex}: an entry is synced to the log before it
   * can be committed and applied, so a shorter log lost synced records.
   */
  private static void refuseIfBehind(Path dir, LogRecovery.Recovered state, long appliedIndex) {
    if (state.lastIndex() >= appliedIndex) {
      return;
    }
    Path wal = newestWal(dir);
    throw new LogStoreCorruptedException(wal, "log store " + dir + " lost synced records: its"
        + " last index is " + state.lastIndex() + " (commit index " + state.hardState().getCommit()
        + "), but entries up to " + appliedIndex + " were applied from it; the write-ahead log "
        + wal.getFileName() + " is damaged or truncated", null);
  }

  /**
   * A commit index is written unsynced when nothing else changed (see {@link LogStore#save(
   * io.kvstore.raft.pb.HardState, List, boolean)}), so after a power loss it may be below what
   * the state machine applied; those entries were committed, so the commit index is raised to
   * {@code appliedIndex} (which {@link #refuseIfBehind} checked is in the log) and synced.
   */
  private static LogRecovery.Recovered raiseCommitToApplied(RocksDB db, ColumnFamilyHandle meta,
      WriteOptions syncWrite, LogRecovery.Recovered state, long appliedIndex)
      throws RocksDBException {
    if (state.hardState().getCommit() >= appliedIndex || appliedIndex > state.lastIndex()) {
      return state;
    }
    HardState raised = state.hardState().toBuilder().setCommit(appliedIndex).build();
    db.put(meta, syncWrite, LogKeys.HARD_STATE, raised.toByteArray());
    return new LogRecovery.Recovered(state.formatted(), state.empty(), raised, state.confState(),
        state.snapshot(), state.compactIndex(), state.compactTerm(), state.lastIndex());
  }

  /** The write-ahead log file with the highest number, where the last synced writes are. */
  private static Path newestWal(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".log"))
          .max(Comparator.comparing(f -> f.getFileName().toString())).orElse(dir);
    } catch (IOException e) {
      return dir;
    }
  }

  /**
   * Creates {@code dir} if needed and says whether a new database may be created there: only if
   * it has no {@code CURRENT} file and no other file either.
   */
  private static boolean prepareDirectory(Path dir) {
    try {
      if (Files.exists(dir.resolve("CURRENT"))) {
        return false;
      }
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(dir)) {
        List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
        if (!names.isEmpty()) {
          throw new LogStoreCorruptedException(
              dir.resolve("CURRENT"),
              "log store " + dir + " is corrupted: file CURRENT is missing but the directory holds "
                  + names + "; nothing was deleted (if the store never opened, remove the directory)",
              null);
        }
      }
      return true;
    } catch (IOException e) {
      throw new LogStoreException("cannot prepare log store directory " + dir + ": " + e, e);
    }
  }

  private static LogStoreException openFailure(Path dir, RocksDBException e, RocksDbLogger logger) {
    Status.Code code = e.getStatus() == null ? null : e.getStatus().getCode();
    String message = e.getMessage();
    if (code == Status.Code.IOError && message != null && message.toLowerCase().contains("lock")) {
      return new LogStoreException("log store " + dir + " is already open: " + message, e);
    }
    if (code == Status.Code.Corruption || code == Status.Code.IOError) {
      String file = RocksDbLogger.fileIn(message).or(logger::damagedFile).orElse(null);
      return new LogStoreCorruptedException(
          file == null ? dir : dir.resolve(file),
          "log store " + dir + " is corrupted: " + (file == null ? "" : "file " + file + ": ")
              + message + "; nothing was repaired or deleted",
          e);
    }
    return new LogStoreException("cannot open log store " + dir + ": " + message, e);
  }

  private static List<ColumnFamilyDescriptor> descriptors(ColumnFamilyOptions cfOptions) {
    return List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
        new ColumnFamilyDescriptor(LOG_CF, cfOptions),
        new ColumnFamilyDescriptor(META_CF, cfOptions));
  }

  /** The names of the table files in {@code dir}. */
  private static List<String> tables(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".sst")).sorted().toList();
    } catch (IOException e) {
      throw new LogStoreException("cannot list log store directory " + dir + ": " + e, e);
    }
  }

  /** The MANIFEST file CURRENT names. */
  private static String currentManifest(Path dir) {
    try {
      return Files.readString(dir.resolve("CURRENT"), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new LogStoreException("cannot read " + dir.resolve("CURRENT") + ": " + e, e);
    }
  }

  private static <T extends AutoCloseable> T push(Deque<AutoCloseable> resources, T resource) {
    resources.push(resource);
    return resource;
  }

  static void closeAll(Deque<AutoCloseable> resources) {
    LogStoreException failure = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new LogStoreException("cannot close a RocksDB handle", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }}
