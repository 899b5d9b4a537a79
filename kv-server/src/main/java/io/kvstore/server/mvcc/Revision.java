package io.kvstore.server.mvcc;

import java.nio.ByteBuffer;

/**
 * A point in the store's history: {@code main} is the revision of one atomic change (a put, a
 * delete or a whole txn), {@code sub} orders the changes within it. Immutable.
 *
 * <p>Encoded as etcd encodes its "key" bucket keys: 8 bytes of {@code main} big-endian, one
 * {@code '_'}, 8 bytes of {@code sub} big-endian (17 bytes), plus a trailing {@code 't'} when the
 * change is a deletion (a tombstone). Big-endian makes the byte order of encodings the numeric
 * order of revisions, so a scan of the key space walks history in order.
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
  static final int ENCODED_LENGTH = 17;
  static final int TOMBSTONE_LENGTH = ENCODED_LENGTH + 1;
  private static final byte SEPARATOR = '_';
  private static final byte TOMBSTONE_MARK = 't';

  public Revision {
    if (main < 0 || sub < 0) {
      throw new IllegalArgumentException("negative revision " + main + "_" + sub);
    }
  }

  /** The first revision of {@code main}, the smallest revision at or after every revision of it. */
  public static Revision first(long main) {
    return new Revision(main, 0);
  }

  /** The 17-byte key of a put at this revision. */
  public byte[] encode() {
    return encode(false);
  }

  /** The 18-byte key of a deletion (tombstone) at this revision. */
  public byte[] encodeTombstone() {
    return encode(true);
  }

  private byte[] encode(boolean tombstone) {
    ByteBuffer b = ByteBuffer.allocate(tombstone ? TOMBSTONE_LENGTH : ENCODED_LENGTH);
    b.putLong(main).put(SEPARATOR).putLong(sub);
    if (tombstone) {
      b.put(TOMBSTONE_MARK);
    }
    return b.array();
  }

  /** The revision of an encoded key, with or without the tombstone mark. */
  public static Revision decode(byte[] bytes) {
    if (bytes.length != ENCODED_LENGTH && bytes.length != TOMBSTONE_LENGTH) {
      throw new IllegalArgumentException("invalid revision length: " + bytes.length);
    }
    if (bytes[8] != SEPARATOR) {
      throw new IllegalArgumentException("invalid separator in revision: " + bytes[8]);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return new Revision(b.getLong(0), b.getLong(9));
  }

  /** Whether an encoded key marks a deletion. */
  public static boolean isTombstone(byte[] bytes) {
    return bytes.length == TOMBSTONE_LENGTH && bytes[ENCODED_LENGTH] == TOMBSTONE_MARK;
  }

  /** Whether this revision comes after {@code other} (main first, then sub). */
  public boolean isAfter(Revision other) {
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(Revision o) {
    int c = Long.compare(main, o.main);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }

  @Override
  public String toString() {
    return main + "_" + sub;
  }
}
