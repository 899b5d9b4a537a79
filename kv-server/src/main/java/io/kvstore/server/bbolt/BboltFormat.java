package io.kvstore.server.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The constants and layouts of a bbolt database file (go.etcd.io/bbolt, file format version 2), as
 * etcd's backend writes it. Every integer is little-endian (bbolt writes its in-memory structs, and
 * etcd runs on little-endian machines). Stateless.
 *
 * <pre>
 * page     = header (16 bytes: id u64, flags u16, count u16, overflow u32) + data;
 *            a page spanning n file pages has overflow n-1
 * meta     = magic u32, version u32, pageSize u32, flags u32, root bucket (root pgid u64,
 *            sequence u64), freelist pgid u64, pgid u64 (high water mark: pages in use),
 *            txid u64, checksum u64 (FNV-64a over the 56 bytes before it); pages 0 and 1
 * leaf     = count elements of 16 bytes (flags u32, pos u32, ksize u32, vsize u32), then the
 *            keys and values; pos is counted from the element itself; flags 1 = a sub-bucket
 * branch   = count elements of 16 bytes (pos u32, ksize u32, pgid u64), then the keys; each
 *            key is the first key of the child page
 * freelist = count page ids u64 (count 0xFFFF: the real count is the first u64)
 * bucket   = value of a leaf element with flags 1: root pgid u64, sequence u64; root 0 means
 *            inline: a leaf page (header with id 0) follows in the value itself
 * </pre>
 */
final class BboltFormat {
  static final int MAGIC = 0xED0CDAED;
  static final int VERSION = 2;
  static final int PAGE_SIZE = 4096;
  static final int PAGE_HEADER = 16;
  static final int ELEMENT = 16;
  static final int BUCKET_HEADER = 16;
  static final int META_BYTES = 64;
  static final int META_CHECKSUMMED = 56;

  static final short BRANCH_PAGE = 0x01;
  static final short LEAF_PAGE = 0x02;
  static final short META_PAGE = 0x04;
  static final short FREELIST_PAGE = 0x10;
  static final int BUCKET_LEAF_FLAG = 0x01;

  /** bbolt's MaxKeySize. */
  static final int MAX_KEY = 32768;
  /** bbolt's MaxValueSize. */
  static final int MAX_VALUE = (1 << 31) - 2;
  /** bbolt inlines a bucket of leaf elements whose page is at most a quarter page. */
  static final int MAX_INLINE = PAGE_SIZE / 4;
  /** No freelist page (bbolt's pgidNoFreelist). */
  static final long NO_FREELIST = -1L;

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private BboltFormat() {}

  static ByteBuffer le(byte[] bytes) {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** FNV-64a of {@code bytes[from, from + length)}: the meta page checksum. */
  static long fnv64a(byte[] bytes, int from, int length) {
    long h = FNV_OFFSET;
    for (int i = from; i < from + length; i++) {
      h ^= bytes[i] & 0xff;
      h *= FNV_PRIME;
    }
    return h;
  }

  /** Pages needed for {@code bytes} of page content. */
  static int pagesFor(long bytes) {
    return (int) ((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
  }
}
