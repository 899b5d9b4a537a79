package io.kvstore.raft.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Reads the persisted state of a {@link RocksDbLogStore} when it opens and checks that it is
 * consistent: meta values parse, log keys run contiguously from the compaction point, each entry
 * carries its key's index, terms never decrease, and the commit index is within the log. Any
 * violation is a {@link LogStoreCorruptedException}; nothing is repaired. Stateless.
 */
final class LogRecovery {

  /**
   * The state a store resumes from; {@code formatted} says whether the format marker is there,
   * {@code empty} whether nothing at all is stored. Immutable.
   */
  record Recovered(
      boolean formatted,
      boolean empty,
      HardState hardState,
      ConfState confState,
      SnapshotMetadata snapshot,
      long compactIndex,
      long compactTerm,
      long lastIndex) {}

  private LogRecovery() {}

  /** Reads and checks the persisted state, filling {@code cache} with the newest entries. */
  static Recovered recover(
      Path dir, RocksDB db, ColumnFamilyHandle meta, ColumnFamilyHandle log, TailCache cache)
      throws RocksDBException {
    return recover(dir, db, meta, log, cache, 0);
  }

  /**
   * As {@link #recover(Path, RocksDB, ColumnFamilyHandle, ColumnFamilyHandle, TailCache)}, but
   * reads the log only from entry {@code scanFrom} on (or from the compaction point if later):
   * for a store whose earlier entries were just checked by a read-only pass, so that the log is
   * not read twice at every start.
   */
  static Recovered recover(Path dir, RocksDB db, ColumnFamilyHandle meta, ColumnFamilyHandle log,
      TailCache cache, long scanFrom) throws RocksDBException {
    byte[] format = db.get(meta, LogKeys.FORMAT);
    if (format != null && (format.length != 1 || format[0] != LogKeys.FORMAT_VERSION)) {
      throw corrupted(dir, "unsupported format marker " + Arrays.toString(format));
    }
    boolean metaEmpty;
    try (RocksIterator it = db.newIterator(meta)) {
      it.seekToFirst();
      metaEmpty = !it.isValid();
      it.status();
    }
    HardState hs = parse(dir, db.get(meta, LogKeys.HARD_STATE), HardState.parser(), "hard state");
    ConfState cs = parse(dir, db.get(meta, LogKeys.CONF_STATE), ConfState.parser(), "conf state");
    SnapshotMetadata snap =
        parse(dir, db.get(meta, LogKeys.SNAPSHOT), SnapshotMetadata.parser(), "snapshot metadata");
    long compactIndex = 0;
    long compactTerm = 0;
    byte[] point = db.get(meta, LogKeys.COMPACTION);
    if (point != null) {
      if (point.length != 2 * Long.BYTES) {
        throw corrupted(dir, "the compaction point is " + point.length + " bytes, expected 16");
      }
      ByteBuffer b = ByteBuffer.wrap(point);
      compactIndex = b.getLong();
      compactTerm = b.getLong();
    }
    long expected = Math.max(compactIndex + 1, scanFrom);
    long prevTerm = expected == compactIndex + 1 ? compactTerm : 0;
    cache.clear(expected);
    try (RocksIterator it = db.newIterator(log)) {
      for (it.seek(LogKeys.index(expected)); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (key.length != Long.BYTES) {
          throw corrupted(dir, "a log key is " + key.length + " bytes, expected 8");
        }
        long index = LogKeys.index(key);
        if (index < expected) {
          throw corrupted(
              dir, "log entry " + index + " is at or before the compaction point " + compactIndex);
        }
        if (index > expected) {
          throw corrupted(dir, "log entries " + expected + ".." + (index - 1) + " are missing");
        }
        Entry e = parse(dir, it.value(), Entry.parser(), "log entry " + index);
        if (e.getIndex() != index) {
          throw corrupted(dir, "log key " + index + " holds the entry of index " + e.getIndex());
        }
        if (e.getTerm() < prevTerm) {
          throw corrupted(
              dir,
              "log entry " + index + " has term " + e.getTerm() + ", below the previous " + prevTerm);
        }
        cache.append(List.of(e));
        expected++;
        prevTerm = e.getTerm();
      }
      it.status();
    }
    long lastIndex = expected - 1;
    if (hs.getCommit() > lastIndex) {
      throw corrupted(
          dir, "the hard state commits " + hs.getCommit() + " but the log ends at " + lastIndex);
    }
    return new Recovered(
        format != null, metaEmpty && lastIndex == 0, hs, cs, snap, compactIndex, compactTerm, lastIndex);
  }

  private static <T> T parse(Path dir, byte[] value, Parser<T> parser, String what) {
    try {
      return parser.parseFrom(value == null ? new byte[0] : value);
    } catch (InvalidProtocolBufferException e) {
      throw new LogStoreCorruptedException(
          dir, "log store " + dir + " is corrupted: the " + what + " does not parse: " + e.getMessage(), e);
    }
  }

  private static LogStoreCorruptedException corrupted(Path dir, String what) {
    return new LogStoreCorruptedException(dir, "log store " + dir + " is corrupted: " + what, null);
  }
}
