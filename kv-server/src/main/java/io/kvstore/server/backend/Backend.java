package io.kvstore.server.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's applied state on RocksDB, as etcd's bbolt backend: the applied Raft index (etcd's
 * consistent index) and the member list, each written in the same batch as the change that
 * produced it, so a restart neither skips nor repeats an entry; and the MVCC key space (etcd's
 * "key" bucket: one row per revision, written through a {@link Batch} committed with the index of
 * the entry that produced it).
 *
 * <p>Writes are not synced one by one: the Raft log is the durable record, and a checkpoint (the
 * snapshot) flushes everything before the log is compacted past it.
 *
 * <p>Thread-safety: writes from one thread at a time (the Raft node's apply thread); reads are
 * safe from any thread while the backend is open. Callers that read from other threads must not overlap {@link #close} (the
 * MVCC store excludes its readers while a snapshot replaces the backend).
 *
 * <p>Replacing the whole state from a snapshot is atomic across crashes: the new files are
 * unpacked beside the database, marked complete, then swapped in by renames; {@link #open}
 * finishes or rolls back an interrupted swap.
 */
public final class Backend implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
  /** Guarded by {@code this}; a second close does nothing. */
  private boolean closed;
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] META_CF = "meta".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MEMBERS_CF = "members".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY_CF = "key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LEASE_CF = "lease".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] APPLIED_KEY = "consistent_index".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ALARM_PREFIX = "alarm/".getBytes(StandardCharsets.US_ASCII);
  private static final String INCOMING = ".incoming";
  private static final String COMPLETE = ".incoming.complete";
  private static final String OLD = ".old";

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final ColumnFamilyHandle meta;
  private final ColumnFamilyHandle members;
  /** The MVCC key space: encoded revision → serialized {@code mvccpb.KeyValue}. */
  private final ColumnFamilyHandle keys;
  /** etcd's "lease" bucket: big-endian lease id → the lessor's serialized record. */
  private final ColumnFamilyHandle leases;
  private final WriteOptions writeOptions = new WriteOptions();
  /** Mirrors the persisted applied index. */
  private volatile long appliedIndex;

  private Backend(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db,
      List<ColumnFamilyHandle> handles) throws RocksDBException {
    this.dir = dir;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.db = db;
    this.handles = handles;
    this.meta = handles.get(1);
    this.members = handles.get(2);
    this.keys = handles.get(3);
    this.leases = handles.get(4);
    byte[] v = db.get(meta, APPLIED_KEY);
    this.appliedIndex = v == null ? 0 : ByteBuffer.wrap(v).getLong();
  }

  /** Opens (creating if needed) the backend in {@code dir}, finishing any interrupted restore. */
  public static Backend open(Path dir) {
    try {
      recoverInterruptedRestore(dir);
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare backend directory " + dir, e);
    }
    DBOptions dbOptions = new DBOptions().setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true).setParanoidChecks(true);
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
    List<ColumnFamilyDescriptor> descriptors = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
        new ColumnFamilyDescriptor(META_CF, cfOptions),
        new ColumnFamilyDescriptor(MEMBERS_CF, cfOptions),
        new ColumnFamilyDescriptor(KEY_CF, cfOptions),
        new ColumnFamilyDescriptor(LEASE_CF, cfOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      return new Backend(dir, dbOptions, cfOptions, db, handles);
    } catch (RocksDBException e) {
      handles.forEach(ColumnFamilyHandle::close);
      dbOptions.close();
      cfOptions.close();
      throw new BackendException("cannot open backend " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path directory() {
    return dir;
  }

  public long appliedIndex() {
    return appliedIndex;
  }

  /** Records {@code index} as applied, with no other change (a no-op or empty entry). */
  public void markApplied(long index) {
    write(index, batch -> { });
  }

  /** Adds or updates a member, in the same batch as the applied index. */
  public void putMember(long index, MemberRecord member) {
    write(index, batch -> batch.put(members, key(member.id()), member.encode()));
  }

  /** Removes a member, in the same batch as the applied index. */
  public void removeMember(long index, long id) {
    write(index, batch -> batch.delete(members, key(id)));
  }

  /** Every member, by id. */
  public Map<Long, MemberRecord> members() {
    Map<Long, MemberRecord> out = new TreeMap<>();
    try (RocksIterator it = db.newIterator(members)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        long id = ByteBuffer.wrap(it.key()).getLong();
        out.put(id, MemberRecord.decode(id, it.value()));
      }
    }
    return out;
  }

  public MemberRecord member(long id) {
    try {
      byte[] v = db.get(members, key(id));
      return v == null ? null : MemberRecord.decode(id, v);
    } catch (RocksDBException e) {
      throw new BackendException("cannot read member " + Long.toHexString(id), e);
    }
  }

  /** A new, empty batch of MVCC rows for {@link #commit} or {@link #write(Batch)}. */
  public Batch newBatch() {
    return new Batch();
  }

  /**
   * Writes {@code batch} and records {@code index} as applied, atomically; closes the batch. The
   * rows of one applied entry go through one call, so a crash keeps all of them or none.
   */
  public void commit(long index, Batch batch) {
    try (batch) {
      write(index, b -> { }, batch.rows);
    }
  }

  /**
   * Writes {@code batch} alone, for rows no entry produced (a compaction's deletions, which may
   * be redone after a crash); closes the batch.
   */
  public void write(Batch batch) {
    try (batch) {
      db.write(writeOptions, batch.rows);
    } catch (RocksDBException e) {
      throw new BackendException("cannot write to backend " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The value stored under an encoded revision in the key space, or null. */
  public byte[] revision(byte[] revision) {
    try {
      return db.get(keys, revision);
    } catch (RocksDBException e) {
      throw new BackendException("cannot read revision from backend " + dir, e);
    }
  }

  /**
   * Visits the rows of the key space from {@code from} (inclusive) to {@code to} (exclusive) in
   * revision order, on a consistent view, until {@code visitor} returns false.
   */
  public void scanRevisions(byte[] from, byte[] to, RowVisitor visitor) {
    try (Slice upper = new Slice(to);
        ReadOptions options = new ReadOptions().setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(keys, options)) {
      for (it.seek(from); it.isValid(); it.next()) {
        if (!visitor.visit(it.key(), it.value())) {
          break;
        }
      }
    }
  }

  /** The value of a key of the meta space that the MVCC store owns, or null. */
  public byte[] meta(byte[] key) {
    try {
      return db.get(meta, key);
    } catch (RocksDBException e) {
      throw new BackendException("cannot read meta from backend " + dir, e);
    }
  }

  /** Visits every lease row (big-endian id → record) in id order, on a consistent view. */
  public void scanLeases(RowVisitor visitor) {
    try (RocksIterator it = db.newIterator(leases)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (!visitor.visit(it.key(), it.value())) {
          break;
        }
      }
    }
  }

  /** Receives rows of a scan. */
  @FunctionalInterface
  public interface RowVisitor {
    /** Returns whether to go on. */
    boolean visit(byte[] key, byte[] value);
  }

  /**
   * MVCC rows to write at once. Not thread-safe: filled and committed on the apply thread; closed by
   * {@link #commit} or {@link #write(Batch)}.
   */
  public final class Batch implements AutoCloseable {
    private final WriteBatch rows = new WriteBatch();

    private Batch() {
    }

    /** Stores a value under an encoded revision of the key space. */
    public void putRevision(byte[] revision, byte[] value) {
      try {
        rows.put(keys, revision, value);
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch a revision", e);
      }
    }

    /** Removes an encoded revision from the key space. */
    public void deleteRevision(byte[] revision) {
      try {
        rows.delete(keys, revision);
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch a revision deletion", e);
      }
    }

    /** Stores a lease's record under its id. */
    public void putLease(long id, byte[] record) {
      try {
        rows.put(leases, key(id), record);
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch a lease", e);
      }
    }

    /** Removes a lease's record. */
    public void deleteLease(long id) {
      try {
        rows.delete(leases, key(id));
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch a lease deletion", e);
      }
    }

    /** Raises an alarm (etcd's "alarm" bucket). */
    public void putAlarm(long memberId, int type) {
      try {
        rows.put(meta, alarmKey(memberId, type), new byte[0]);
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch an alarm", e);
      }
    }

    /** Clears an alarm. */
    public void deleteAlarm(long memberId, int type) {
      try {
        rows.delete(meta, alarmKey(memberId, type));
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch an alarm deletion", e);
      }
    }

    /** Adds or updates a member. */
    public void putMember(MemberRecord member) {
      try {
        rows.put(members, key(member.id()), member.encode());
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch a member", e);
      }
    }

    /** Sets a key of the meta space; {@code consistent_index} is the backend's own. */
    public void putMeta(byte[] key, byte[] value) {
      if (Arrays.equals(key, APPLIED_KEY)) {
        throw new IllegalArgumentException("the applied index is written by commit");
      }
      try {
        rows.put(meta, key, value);
      } catch (RocksDBException e) {
        throw new BackendException("cannot batch a meta key", e);
      }
    }

    @Override
    public void close() {
      rows.close();
    }
  }

  /** A consistent copy of the backend in {@code target} (hard links; flushes memtables first). */
  public void checkpoint(Path target) {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new BackendException("cannot checkpoint backend into " + target, e);
    }
  }

  @FunctionalInterface
  private interface BatchFiller {
    void fill(WriteBatch batch) throws RocksDBException;
  }

  private void write(long index, BatchFiller filler) {
    try (WriteBatch batch = new WriteBatch()) {
      write(index, filler, batch);
    }
  }

  private void write(long index, BatchFiller filler, WriteBatch batch) {
    try {
      filler.fill(batch);
      batch.put(meta, APPLIED_KEY, ByteBuffer.allocate(Long.BYTES).putLong(index).array());
      db.write(writeOptions, batch);
      appliedIndex = index;
    } catch (RocksDBException e) {
      throw new BackendException("cannot apply entry " + index + " to backend " + dir + ": "
          + e.getMessage(), e);
    }
  }

  private static byte[] key(long id) {
    return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    flushForRestart();
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
  }

  /**
   * Writes the memtables to tables, so that the next open need not replay the write-ahead log
   * into them (with a large backend that replay was a good part of a restart). A failure loses
   * nothing: the log still holds every write and is replayed instead.
   */
  private void flushForRestart() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, handles);
    } catch (RocksDBException e) {
      LOG.warn("cannot flush backend {} before closing; its log will be replayed at the next"
          + " start: {}", dir, e.getMessage());
    }
  }

  // ---- identity, alarms, size and maintenance -------------------------------------------------

  /** Every raised alarm as {@code {memberId, type}}, ordered by member id then type. */
  public List<long[]> alarms() {
    List<long[]> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(meta)) {
      for (it.seek(ALARM_PREFIX); it.isValid() && startsWith(it.key(), ALARM_PREFIX); it.next()) {
        ByteBuffer k = ByteBuffer.wrap(it.key(), ALARM_PREFIX.length, Long.BYTES + Integer.BYTES);
        out.add(new long[] {k.getLong(), k.getInt()});
      }
    }
    return out;
  }

  /**
   * The bytes the database occupies on disk: its table files and write-ahead log, what etcd
   * reports as {@code dbSize} and checks {@code --quota-backend-bytes} against.
   */
  public long sizeBytes() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("\\d+\\.(sst|log)"))
          .mapToLong(f -> {
            try {
              return Files.size(f);
            } catch (IOException e) {
              return 0; // deleted by a compaction meanwhile
            }
          }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list backend " + dir, e);
    }
  }

  /** RocksDB's estimate of the live data, memtables included: etcd's {@code dbSizeInUse}. */
  public long sizeInUseBytes() {
    long total = 0;
    try {
      for (ColumnFamilyHandle h : handles) {
        total += db.getLongProperty(h, "rocksdb.estimate-live-data-size")
            + db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
      }
    } catch (RocksDBException e) {
      throw new BackendException("cannot read the size of backend " + dir, e);
    }
    return total;
  }

  /**
   * etcd's defragmentation: flushes the memtables and rewrites every table so that deleted and
   * overwritten rows (a compaction's leftovers) no longer take space, and the log is retired.
   */
  public void defragment() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, handles);
      for (ColumnFamilyHandle h : handles) {
        db.compactRange(h);
      }
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw new BackendException("cannot defragment backend " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * etcd's {@code Hash}: CRC-32C over every row of every column family (family name, key, value),
   * leaving out the applied index, as etcd leaves out its consistent index.
   */
  public int hash() {
    CRC32C crc = new CRC32C();
    for (ColumnFamilyHandle h : handles) {
      try (RocksIterator it = db.newIterator(h)) {
        crc.update(h.getName());
        for (it.seekToFirst(); it.isValid(); it.next()) {
          byte[] k = it.key();
          if (h == meta && Arrays.equals(k, APPLIED_KEY)) {
            continue;
          }
          crc.update(k);
          crc.update(it.value());
        }
      } catch (RocksDBException e) {
        throw new BackendException("cannot hash backend " + dir, e);
      }
    }
    return (int) crc.getValue();
  }

  private static byte[] alarmKey(long memberId, int type) {
    return ByteBuffer.allocate(ALARM_PREFIX.length + Long.BYTES + Integer.BYTES).put(ALARM_PREFIX)
        .putLong(memberId).putInt(type).array();
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  // ---- atomic replacement from a snapshot ------------------------------------------------------

  /**
   * Replaces the backend in {@code dir} (which must be closed) with the archive's contents,
   * atomically across crashes, and opens the result.
   */
  public static Backend replace(Path dir, InputStream archive) throws IOException {
    Path incoming = sibling(dir, INCOMING);
    Path complete = sibling(dir, COMPLETE);
    deleteRecursively(incoming);
    Files.deleteIfExists(complete);
    Files.createDirectories(incoming);
    CheckpointArchive.unpack(archive, incoming);
    Files.createFile(complete);
    CheckpointArchive.syncDirectory(dir.toAbsolutePath().getParent());
    recoverInterruptedRestore(dir);
    return open(dir);
  }

  /** Finishes a swap whose new files are complete, or discards a partial one. */
  private static void recoverInterruptedRestore(Path dir) throws IOException {
    Path incoming = sibling(dir, INCOMING);
    Path complete = sibling(dir, COMPLETE);
    Path old = sibling(dir, OLD);
    if (Files.exists(complete) && Files.isDirectory(incoming)) {
      if (Files.exists(dir)) {
        deleteRecursively(old);
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(incoming, dir, StandardCopyOption.ATOMIC_MOVE);
      Files.delete(complete);
      CheckpointArchive.syncDirectory(dir.toAbsolutePath().getParent());
    } else {
      deleteRecursively(incoming);
      Files.deleteIfExists(complete);
      if (!Files.exists(dir) && Files.isDirectory(old)) {
        Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    deleteRecursively(old);
  }

  private static Path sibling(Path dir, String suffix) {
    return dir.resolveSibling(dir.getFileName() + suffix);
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
