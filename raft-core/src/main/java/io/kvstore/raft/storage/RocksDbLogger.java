package io.kvstore.raft.storage;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards RocksDB's log to SLF4J (errors as errors, damage reports as warnings, its other,
 * mostly routine warnings as debug), and remembers the last file RocksDB reported as damaged:
 * RocksDB's WAL recovery errors do not name the file, its log lines do. RocksDB then writes no
 * {@code LOG} file of its own.
 *
 * <p>Thread-safety: safe; RocksDB calls it from its own threads.
 */
final class RocksDbLogger extends Logger {
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(RocksDbLogStore.class);
  private static final Pattern FILE =
      Pattern.compile("(\\d{6}\\.(?:log|sst|blob)|MANIFEST-\\d+|OPTIONS-\\d+|CURRENT|IDENTITY)\\b");

  /** The name of the last file a corruption report named; null until one does. */
  private volatile String damagedFile;

  RocksDbLogger() {
    super(InfoLogLevel.WARN_LEVEL);
  }

  @Override
  protected void log(InfoLogLevel level, String message) {
    boolean damage = message.contains("Corruption") || message.contains("dropping");
    if (damage) {
      fileIn(message).ifPresent(f -> damagedFile = f);
    }
    if (level != InfoLogLevel.WARN_LEVEL) {
      LOG.error("rocksdb: {}", message);
    } else if (damage) {
      LOG.warn("rocksdb: {}", message);
    } else {
      LOG.debug("rocksdb: {}", message);
    }
  }

  /** The last file a corruption report named, if any. */
  Optional<String> damagedFile() {
    return Optional.ofNullable(damagedFile);
  }

  /** The first RocksDB file name (such as {@code 000004.log}) in {@code text}, if any. */
  static Optional<String> fileIn(String text) {
    Matcher m = FILE.matcher(text == null ? "" : text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
