package io.kvstore.raft.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The on-disk keys of {@link RocksDbLogStore}: log keys are 8-byte big-endian indexes, so the
 * byte order of keys is the numeric order of indexes; meta keys are fixed ASCII names. Stateless.
 */
final class LogKeys {
  /** Value: {@link #FORMAT_VERSION}; written when the store is created, so a store that lost it lost its content. */
  static final byte[] FORMAT = ascii("format");
  static final byte FORMAT_VERSION = 1;
  static final byte[] HARD_STATE = ascii("hard_state");
  static final byte[] CONF_STATE = ascii("conf_state");
  static final byte[] SNAPSHOT = ascii("snapshot");
  /** Value: the index and term of the entry just before the first one, 8 bytes each. */
  static final byte[] COMPACTION = ascii("compaction");

  private LogKeys() {}

  static byte[] index(long index) {
    return ByteBuffer.allocate(Long.BYTES).putLong(index).array();
  }

  static long index(byte[] key) {
    if (key.length != Long.BYTES) {
      throw new IllegalArgumentException("log key of " + key.length + " bytes, expected 8");
    }
    return ByteBuffer.wrap(key).getLong();
  }

  static byte[] compactionPoint(long index, long term) {
    return ByteBuffer.allocate(2 * Long.BYTES).putLong(index).putLong(term).array();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
