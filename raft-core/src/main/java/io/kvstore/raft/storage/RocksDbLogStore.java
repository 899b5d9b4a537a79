package io.kvstore.raft.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.core.Entries;
import io.kvstore.raft.core.InitialState;
import io.kvstore.raft.core.StorageException;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Snapshot;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogStore} on RocksDB. Thread-safety: safe for use from any number of threads; writes
 * are expected from the single driver thread, and reads from any thread are serialized against
 * them by a read-write lock held across each write's fsync, so a reader never sees half of a
 * change (it waits for the fsync instead).
 *
 * <p>Layout: column family {@code log} maps an 8-byte big-endian index to a serialized {@link
 * Entry}; column family {@code meta} holds the hard state, the conf state, the latest snapshot's
 * metadata and the compaction point (index and term of the entry just before the first one).
 *
 * <p>Durability: every mutating method is one {@link WriteBatch} written with sync (group
 * commit); the in-memory view (bounds, tail cache, states) is updated only after it succeeded, so
 * a failed write, reported as {@link LogStoreException}, leaves memory matching the disk.
 *
 * <p>Recovery: an existing store is first opened read-only, with paranoid checks, every table
 * checksum and the logical content verified (see {@link LogRecovery}), because a read-write open
 * deletes the tables a damaged MANIFEST no longer lists; only then is it opened for writing.
 * Damage is reported as {@link LogStoreCorruptedException} naming the file, and nothing is ever
 * repaired or deleted. A {@code format} marker written at creation detects a store whose
 * content vanished (a MANIFEST truncated at a record boundary opens as an empty database). The WAL is
 * replayed in RocksDB's {@code TolerateCorruptedTailRecords} mode: an incomplete last record
 * (a write whose fsync never finished, so was never acknowledged) is dropped, while any checksum
 * mismatch, including in the last record, refuses the open. {@code PointInTimeRecovery} would
 * silently discard every synced record after a damaged one; {@code AbsoluteConsistency} would
 * refuse to start after every crash that tore a write in flight.
 */
public final class RocksDbLogStore implements LogStore {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDbLogStore.class);
  private final Path dir;
  private final RocksDB db;
  private final ColumnFamilyHandle logCf;
  private final ColumnFamilyHandle metaCf;
  private final WriteOptions syncWrite;
  private final WriteOptions asyncWrite;
  /** Null when statistics are disabled. */
  private final Statistics statistics;
  /** Every native handle, closed last-in first-out: column families before the database. */
  private final Deque<AutoCloseable> resources;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** Entries in {@code [cache.firstIndex(), lastIndex]}; guarded by {@link #lock}. */
  private final TailCache cache;
  /** Persisted; {@code hardState.getCommit() <= lastIndex}. Guarded by {@link #lock}. */
  private HardState hardState;
  /** Persisted; guarded by {@link #lock}. */
  private ConfState confState;
  /** Persisted metadata with empty data; guarded by {@link #lock}. */
  private Snapshot snapshot;
  /** Index of the entry before the first one; {@code compactIndex <= lastIndex}. Guarded. */
  private long compactIndex;
  /** Term of the entry at {@code compactIndex}; guarded by {@link #lock}. */
  private long compactTerm;
  /** Index of the last entry, {@code compactIndex} when none; guarded by {@link #lock}. */
  private long lastIndex;
  /** Guarded by {@link #lock}. */
  private boolean closed;

  RocksDbLogStore(
      Path dir,
      RocksDB db,
      List<ColumnFamilyHandle> handles,
      WriteOptions syncWrite,
      WriteOptions asyncWrite,
      Statistics statistics,
      Deque<AutoCloseable> resources,
      TailCache cache,
      LogRecovery.Recovered state) {
    this.dir = dir;
    this.db = db;
    this.logCf = handles.get(1);
    this.metaCf = handles.get(2);
    this.syncWrite = syncWrite;
    this.asyncWrite = asyncWrite;
    this.statistics = statistics;
    this.resources = resources;
    this.cache = cache;
    this.hardState = state.hardState();
    this.confState = state.confState();
    this.snapshot = Snapshot.newBuilder().setMetadata(state.snapshot()).build();
    this.compactIndex = state.compactIndex();
    this.compactTerm = state.compactTerm();
    this.lastIndex = state.lastIndex();
  }

  /** Opens (or creates, if {@code dir} has no {@code CURRENT} file) a store with defaults. */
  public static RocksDbLogStore open(Path dir) {
    return open(dir, RocksDbLogStoreConfig.defaults());
  }

  /**
   * Opens the store in {@code dir}, creating it only if the directory is missing or empty.
   *
   * @throws LogStoreCorruptedException if the files are damaged or inconsistent
   * @throws LogStoreException if the store cannot be opened for another reason (locked, I/O)
   */
  public static RocksDbLogStore open(Path dir, RocksDbLogStoreConfig config) {
    return RocksDbLogOpener.open(dir, config, 0);
  }

  /**
   * Opens the store in {@code dir} as {@link #open(Path, RocksDbLogStoreConfig)} does, and also
   * refuses it if it lost synced records: every entry a state machine applied was committed here
   * first, so a commit index below {@code appliedIndex} means a write-ahead log record was
   * damaged or truncated after it was synced (a garbled record length reads as a torn tail, which
   * RocksDB drops). The check runs before the store is opened for writing, so nothing changes.
   *
   * @throws LogStoreCorruptedException naming the newest write-ahead log file
   */
  public static RocksDbLogStore open(Path dir, long appliedIndex) {
    return RocksDbLogOpener.open(dir, RocksDbLogStoreConfig.defaults(), appliedIndex);
  }

  @Override
  public InitialState initialState() {
    lock.readLock().lock();
    try {
      checkOpen();
      return new InitialState(hardState, confState);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    lock.readLock().lock();
    try {
      checkOpen();
      if (lo <= compactIndex) {
        throw new StorageException(StorageException.Kind.COMPACTED, "index " + lo + " compacted");
      }
      if (hi > lastIndex + 1) {
        throw new StorageException(
            StorageException.Kind.UNAVAILABLE, "entries up to " + hi + " past last " + lastIndex);
      }
      if (lo > hi) {
        throw new IllegalArgumentException("invalid range [" + lo + ", " + hi + ")");
      }
      long cached = Math.max(lo, cache.firstIndex());
      if (cached == lo) {
        return List.copyOf(Entries.limitSize(cache.range(lo, hi), maxBytes));
      }
      List<Entry> out = readRange(lo, Math.min(hi, cached), maxBytes);
      if (out.size() == cached - lo) {
        long size = Entries.totalSize(out);
        for (long i = cached; i < hi; i++) {
          Entry e = cache.get(i);
          size += Entries.size(e);
          if (size > maxBytes) {
            break;
          }
          out.add(e);
        }
      }
      return List.copyOf(out);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long term(long index) {
    lock.readLock().lock();
    try {
      checkOpen();
      if (index < compactIndex) {
        throw new StorageException(StorageException.Kind.COMPACTED, "index " + index + " compacted");
      }
      if (index > lastIndex) {
        throw new StorageException(
            StorageException.Kind.UNAVAILABLE, "index " + index + " unavailable");
      }
      return termOf(index);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long firstIndex() {
    lock.readLock().lock();
    try {
      checkOpen();
      return compactIndex + 1;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long lastIndex() {
    lock.readLock().lock();
    try {
      checkOpen();
      return lastIndex;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Snapshot snapshot() {
    lock.readLock().lock();
    try {
      checkOpen();
      return snapshot;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Entries already compacted are skipped; a snapshot must be applied with {@link
   * #applySnapshot} before a hard state that commits it is saved.
   *
   * @throws IllegalStateException if the entries start after {@code lastIndex() + 1}
   * @throws IllegalArgumentException if the entries are not contiguous, their terms decrease, or
   *     the resulting commit index would be past the last entry
   */
  @Override
  public void save(HardState hs, List<Entry> entries, boolean sync) {
    lock.writeLock().lock();
    try {
      checkOpen();
      List<Entry> ents = newEntries(entries);
      long newLast = ents.isEmpty() ? lastIndex : ents.get(ents.size() - 1).getIndex();
      HardState newHs = hs == null ? hardState : hs;
      if (newHs.getCommit() > newLast) {
        throw new IllegalArgumentException(
            "commit " + newHs.getCommit() + " would be past the last entry " + newLast);
      }
      boolean hsChanged = !newHs.equals(hardState);
      if (ents.isEmpty() && !hsChanged) {
        return;
      }
      write(ents.size() + " entries and the hard state", sync ? syncWrite : asyncWrite, batch -> {
        if (hsChanged) {
          batch.put(metaCf, LogKeys.HARD_STATE, newHs.toByteArray());
        }
        if (newLast < lastIndex) {
          batch.deleteRange(logCf, LogKeys.index(newLast + 1), LogKeys.index(lastIndex + 1));
        }
        for (Entry e : ents) {
          batch.put(logCf, LogKeys.index(e.getIndex()), e.toByteArray());
        }
      });
      hardState = newHs;
      if (!ents.isEmpty()) {
        cache.append(ents);
        lastIndex = newLast;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void setConfState(ConfState cs) {
    lock.writeLock().lock();
    try {
      checkOpen();
      write("the conf state", batch -> {
        batch.put(metaCf, LogKeys.CONF_STATE, cs.toByteArray());
      });
      confState = cs;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A snapshot not newer than the latest one is ignored, as in {@code MemoryStorage}.
   *
   * @throws IllegalArgumentException if the snapshot is older than the persisted commit index
   */
  @Override
  public void applySnapshot(SnapshotMetadata meta) {
    lock.writeLock().lock();
    try {
      checkOpen();
      long current = snapshot.getMetadata().getIndex();
      if (meta.getIndex() <= current && current > 0) {
        return;
      }
      if (hardState.getCommit() > meta.getIndex()) {
        throw new IllegalArgumentException(
            "snapshot " + meta.getIndex() + " is older than commit " + hardState.getCommit());
      }
      write("snapshot " + meta.getIndex(), batch -> {
        if (lastIndex > compactIndex) {
          batch.deleteRange(
              logCf, LogKeys.index(compactIndex + 1), LogKeys.index(lastIndex + 1));
        }
        batch.put(
            metaCf, LogKeys.COMPACTION, LogKeys.compactionPoint(meta.getIndex(), meta.getTerm()));
        batch.put(metaCf, LogKeys.SNAPSHOT, meta.toByteArray());
        batch.put(metaCf, LogKeys.CONF_STATE, meta.getConfState().toByteArray());
      });
      compactIndex = meta.getIndex();
      compactTerm = meta.getTerm();
      lastIndex = meta.getIndex();
      cache.clear(meta.getIndex() + 1);
      snapshot = Snapshot.newBuilder().setMetadata(meta).build();
      confState = meta.getConfState();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A snapshot not newer than the latest one is ignored, as in {@code MemoryStorage}.
   *
   * @throws IllegalArgumentException if its index is past the last entry or its term differs from
   *     the log's
   */
  @Override
  public void createSnapshot(SnapshotMetadata meta) {
    lock.writeLock().lock();
    try {
      checkOpen();
      if (meta.getIndex() <= snapshot.getMetadata().getIndex()) {
        return;
      }
      if (meta.getIndex() > lastIndex) {
        throw new IllegalArgumentException(
            "snapshot " + meta.getIndex() + " is out of bound " + lastIndex);
      }
      if (meta.getIndex() >= compactIndex && termOf(meta.getIndex()) != meta.getTerm()) {
        throw new IllegalArgumentException(
            "snapshot " + meta.getIndex() + " has term " + meta.getTerm() + " but the log has "
                + termOf(meta.getIndex()));
      }
      write("snapshot " + meta.getIndex(), batch -> {
        batch.put(metaCf, LogKeys.SNAPSHOT, meta.toByteArray());
      });
      snapshot = Snapshot.newBuilder().setMetadata(meta).build();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** {@inheritDoc} Compacting at or before the current compaction point does nothing. */
  @Override
  public void compact(long index) {
    lock.writeLock().lock();
    try {
      checkOpen();
      if (index <= compactIndex) {
        return;
      }
      if (index > lastIndex) {
        throw new IllegalArgumentException("compact " + index + " is out of bound " + lastIndex);
      }
      long term = termOf(index);
      write("compaction to " + index, batch -> {
        batch.deleteRange(logCf, LogKeys.index(compactIndex + 1), LogKeys.index(index + 1));
        batch.put(metaCf, LogKeys.COMPACTION, LogKeys.compactionPoint(index, term));
      });
      compactIndex = index;
      compactTerm = term;
      cache.compact(index);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * How many times RocksDB synced its WAL since this store opened: one per mutating call that
   * wrote something.
   *
   * @throws IllegalStateException if statistics are disabled in the config
   */
  public long syncCount() {
    lock.readLock().lock();
    try {
      checkOpen();
      if (statistics == null) {
        throw new IllegalStateException("statistics are disabled for log store " + dir);
      }
      return statistics.getTickerCount(TickerType.WAL_FILE_SYNCED);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Releases every native handle; later calls fail with {@link IllegalStateException}. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        flushForRestart();
        RocksDbLogOpener.closeAll(resources);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Writes the memtables to tables, so that the next open (which opens the store twice, once
   * read-only to check it) need not replay the write-ahead log. A failure loses nothing: the log
   * still holds every synced write and is replayed instead.
   */
  private void flushForRestart() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, List.of(logCf, metaCf));
    } catch (RocksDBException e) {
      LOG.warn("cannot flush log store {} before closing; its write-ahead log will be replayed"
          + " at the next start: {}", dir, e.getMessage());
    }
  }

  private List<Entry> newEntries(List<Entry> entries) {
    if (entries.isEmpty()) {
      return entries;
    }
    long start = entries.get(0).getIndex();
    for (int i = 1; i < entries.size(); i++) {
      Entry prev = entries.get(i - 1);
      Entry e = entries.get(i);
      if (e.getIndex() != start + i || e.getTerm() < prev.getTerm()) {
        throw new IllegalArgumentException(
            "entry " + e.getIndex() + " (term " + e.getTerm() + ") does not follow entry "
                + prev.getIndex() + " (term " + prev.getTerm() + ")");
      }
    }
    long first = compactIndex + 1;
    if (entries.get(entries.size() - 1).getIndex() < first) {
      return List.of();
    }
    List<Entry> ents = start < first ? entries.subList((int) (first - start), entries.size()) : entries;
    Entry head = ents.get(0);
    if (head.getIndex() > lastIndex + 1) {
      throw new IllegalStateException(
          "missing log entry [last: " + lastIndex + ", append at: " + head.getIndex() + "]");
    }
    long prevTerm = termOf(head.getIndex() - 1);
    if (head.getTerm() < prevTerm) {
      throw new IllegalArgumentException(
          "entry " + head.getIndex() + " has term " + head.getTerm() + ", below the previous "
              + prevTerm);
    }
    return ents;
  }

  /** The term of {@code index}, which must be in {@code [compactIndex, lastIndex]}. */
  private long termOf(long index) {
    if (index == compactIndex) {
      return compactTerm;
    }
    if (index >= cache.firstIndex()) {
      return cache.get(index).getTerm();
    }
    try {
      byte[] value = db.get(logCf, LogKeys.index(index));
      if (value == null) {
        throw new LogStoreException("log entry " + index + " is missing from log store " + dir);
      }
      return parseEntry(index, value).getTerm();
    } catch (RocksDBException e) {
      throw new LogStoreException("cannot read log entry " + index + " from " + dir, e);
    }
  }

  /** Entries in {@code [lo, hi)} read from RocksDB, at least one and within {@code maxBytes}. */
  private List<Entry> readRange(long lo, long hi, long maxBytes) {
    List<Entry> out = new ArrayList<>();
    long size = 0;
    try (RocksIterator it = db.newIterator(logCf)) {
      it.seek(LogKeys.index(lo));
      for (long i = lo; i < hi; i++, it.next()) {
        if (!it.isValid() || LogKeys.index(it.key()) != i) {
          it.status();
          throw new LogStoreException("log entry " + i + " is missing from log store " + dir);
        }
        Entry e = parseEntry(i, it.value());
        size += Entries.size(e);
        if (!out.isEmpty() && size > maxBytes) {
          break;
        }
        out.add(e);
      }
    } catch (RocksDBException e) {
      throw new LogStoreException("cannot read log entries from " + lo + " in " + dir, e);
    }
    return out;
  }

  private Entry parseEntry(long index, byte[] value) {
    try {
      return Entry.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new LogStoreException("log entry " + index + " in " + dir + " does not parse", e);
    }
  }

  /** What one mutating call puts into its batch. */
  @FunctionalInterface
  private interface BatchContent {
    void fill(WriteBatch batch) throws RocksDBException;
  }

  private void write(String what, BatchContent content) {
    write(what, syncWrite, content);
  }

  private void write(String what, WriteOptions options, BatchContent content) {
    try (WriteBatch batch = new WriteBatch()) {
      content.fill(batch);
      db.write(options, batch);
    } catch (RocksDBException e) {
      throw new LogStoreException(
          "cannot write " + what + " to log store " + dir + ": " + e.getMessage(), e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("log store " + dir + " is closed");
    }
  }
}
