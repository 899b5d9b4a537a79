package io.kvstore.server.bbolt;

import static io.kvstore.server.bbolt.BboltFormat.BUCKET_HEADER;
import static io.kvstore.server.bbolt.BboltFormat.BUCKET_LEAF_FLAG;
import static io.kvstore.server.bbolt.BboltFormat.ELEMENT;
import static io.kvstore.server.bbolt.BboltFormat.PAGE_HEADER;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a bbolt database file — one written by etcd (a snapshot saved by etcdctl, a member's
 * {@code member/snap/db}) or by {@link BboltWriter} — far enough to list its top-level buckets,
 * visit their rows in key order and check the file's consistency. Pages are read from the file on
 * demand, so a visit holds one root-to-leaf path in memory. Bytes after the last page (etcd's
 * SHA-256 trailer on a saved snapshot) are ignored.
 *
 * <p>The meta page used is the valid one (magic, version, checksum) with the higher transaction
 * id, as bbolt chooses. Any page id, type or length that does not fit the file raises an
 * {@link IOException} naming the problem.
 *
 * <p>Thread-safety: not thread-safe (reads share one position-less channel but visits are not
 * synchronised); use one reader per thread.
 */
public final class BboltReader implements AutoCloseable {
  private static final int MAX_DEPTH = 64;

  private final FileChannel channel;
  private final long fileSize;
  private final int pageSize;
  private final long rootPgid;
  private final long freelistPgid;
  private final long highWaterMark;
  private final long txid;

  private BboltReader(FileChannel channel, long fileSize, ByteBuffer meta) {
    this.channel = channel;
    this.fileSize = fileSize;
    this.pageSize = meta.getInt(8);
    this.rootPgid = meta.getLong(16);
    this.freelistPgid = meta.getLong(32);
    this.highWaterMark = meta.getLong(40);
    this.txid = meta.getLong(48);
  }

  /** Opens {@code file} and validates its meta pages. */
  public static BboltReader open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = ch.size();
      ByteBuffer m0 = readMeta(ch, 0, size);
      String error0 = validate(m0);
      int secondAt = error0 == null ? m0.getInt(8) : BboltFormat.PAGE_SIZE;
      ByteBuffer m1 = readMeta(ch, secondAt, size);
      String error1 = validate(m1);
      if (error0 != null && error1 != null) {
        throw new IOException("not a bbolt database: " + error0);
      }
      ByteBuffer meta = error1 != null || (error0 == null && m0.getLong(48) >= m1.getLong(48))
          ? m0 : m1;
      BboltReader r = new BboltReader(ch, size, meta);
      if (r.highWaterMark * r.pageSize > size) {
        throw new IOException("bbolt file is truncated: " + size + " bytes, its meta page "
            + "names " + r.highWaterMark + " pages of " + r.pageSize);
      }
      return r;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The 64 meta bytes of the page at {@code offset}, or null if the file is too short. */
  private static ByteBuffer readMeta(FileChannel ch, long offset, long size) throws IOException {
    if (offset + PAGE_HEADER + BboltFormat.META_BYTES > size) {
      return null;
    }
    byte[] page = new byte[PAGE_HEADER + BboltFormat.META_BYTES];
    readFully(ch, ByteBuffer.wrap(page), offset);
    return BboltFormat.le(Arrays.copyOfRange(page, PAGE_HEADER, page.length));
  }

  private static String validate(ByteBuffer meta) {
    if (meta == null) {
      return "file too small";
    }
    if (meta.getInt(0) != BboltFormat.MAGIC) {
      return "invalid magic";
    }
    if (meta.getInt(4) != BboltFormat.VERSION) {
      return "version " + meta.getInt(4) + ", expected " + BboltFormat.VERSION;
    }
    long checksum = meta.getLong(BboltFormat.META_CHECKSUMMED);
    if (checksum != 0 && checksum
        != BboltFormat.fnv64a(meta.array(), 0, BboltFormat.META_CHECKSUMMED)) {
      return "meta checksum mismatch";
    }
    int ps = meta.getInt(8);
    if (ps < 512 || ps > (1 << 16) || Integer.bitCount(ps) != 1) {
      return "bad page size " + ps;
    }
    return null;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new EOFException("bbolt file ends early at byte " + pos);
      }
      pos += n;
    }
  }

  /** Whether the first bytes of {@code head} are those of a bbolt file (a meta page). */
  public static boolean looksLikeBbolt(byte[] head) {
    return head.length >= PAGE_HEADER + 8
        && BboltFormat.le(head).getInt(PAGE_HEADER) == BboltFormat.MAGIC
        && (BboltFormat.le(head).getShort(8) & BboltFormat.META_PAGE) != 0;
  }

  public int pageSize() {
    return pageSize;
  }

  /** The transaction id of the meta page in use. */
  public long txid() {
    return txid;
  }

  /** Pages in use (the high water mark). */
  public long pageCount() {
    return highWaterMark;
  }

  /** bbolt's {@code tx.Size()}: pages in use times the page size. */
  public long size() {
    return highWaterMark * pageSize;
  }

  /** Receives rows in key order. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * Visits one row; {@code value} is null when the row is a nested bucket. Returns whether to
     * go on.
     */
    boolean visit(byte[] key, byte[] value) throws IOException;
  }

  /** The names of the top-level buckets, in order. */
  public List<byte[]> bucketNames() throws IOException {
    List<byte[]> names = new ArrayList<>();
    walk(page(rootPgid), 0, (flags, k, v) -> {
      if ((flags & BUCKET_LEAF_FLAG) != 0) {
        names.add(k);
      }
      return true;
    });
    return names;
  }

  /** Visits the rows of top-level bucket {@code name}; false if there is no such bucket. */
  public boolean forEach(String name, Visitor visitor) throws IOException {
    return forEach(name.getBytes(StandardCharsets.UTF_8), visitor);
  }

  /** Visits the rows of top-level bucket {@code name}; false if there is no such bucket. */
  public boolean forEach(byte[] name, Visitor visitor) throws IOException {
    Page root = bucketRoot(name);
    if (root == null) {
      return false;
    }
    walk(root, 0, (flags, k, v) -> visitor.visit(k, (flags & BUCKET_LEAF_FLAG) != 0 ? null : v));
    return true;
  }

  /** The root page of top-level bucket {@code name}, or null. */
  private Page bucketRoot(byte[] name) throws IOException {
    Page[] found = new Page[1];
    walk(page(rootPgid), 0, (flags, k, v) -> {
      int c = Arrays.compareUnsigned(k, name);
      if (c == 0 && (flags & BUCKET_LEAF_FLAG) != 0) {
        found[0] = bucketPage(v);
      }
      return c < 0;
    });
    return found[0];
  }

  /** The root page of the bucket whose header (and inline page) is {@code value}. */
  private Page bucketPage(byte[] value) throws IOException {
    if (value.length < BUCKET_HEADER) {
      throw new IOException("damaged bucket header of " + value.length + " bytes");
    }
    long root = BboltFormat.le(value).getLong(0);
    if (root != 0) {
      return page(root);
    }
    if (value.length < BUCKET_HEADER + PAGE_HEADER) {
      throw new IOException("damaged inline bucket of " + value.length + " bytes");
    }
    Page p = new Page(0, value, BUCKET_HEADER);
    p.checkElements();
    return p;
  }

  /** A page as read: its bytes, where its header starts, and the decoded header. */
  private final class Page {
    final long pgid;
    final byte[] bytes;
    final int base;
    final ByteBuffer buf;

    Page(long pgid, byte[] bytes, int base) {
      this.pgid = pgid;
      this.bytes = bytes;
      this.base = base;
      this.buf = BboltFormat.le(bytes);
    }

    long id() {
      return buf.getLong(base);
    }

    short flags() {
      return buf.getShort(base + 8);
    }

    int count() {
      return buf.getShort(base + 10) & 0xffff;
    }

    int overflow() {
      return buf.getInt(base + 12);
    }

    boolean isLeaf() {
      return (flags() & BboltFormat.LEAF_PAGE) != 0;
    }

    boolean isBranch() {
      return (flags() & BboltFormat.BRANCH_PAGE) != 0;
    }

    int elem(int i) {
      return base + PAGE_HEADER + i * ELEMENT;
    }

    void checkElements() throws IOException {
      if (!isLeaf() && !isBranch()) {
        throw new IOException("page " + pgid + ": invalid type " + flags());
      }
      if (elem(count()) > bytes.length) {
        throw new IOException("page " + pgid + ": " + count() + " elements overrun the page");
      }
    }

    byte[] slice(int at, long length) throws IOException {
      if (at < 0 || length < 0 || at + length > bytes.length) {
        throw new IOException("page " + pgid + ": element data outside the page");
      }
      return Arrays.copyOfRange(bytes, at, (int) (at + length));
    }

    byte[] leafKey(int i) throws IOException {
      int e = elem(i);
      return slice(e + buf.getInt(e + 4), Integer.toUnsignedLong(buf.getInt(e + 8)));
    }

    byte[] leafValue(int i) throws IOException {
      int e = elem(i);
      long ksize = Integer.toUnsignedLong(buf.getInt(e + 8));
      return slice((int) (e + buf.getInt(e + 4) + ksize),
          Integer.toUnsignedLong(buf.getInt(e + 12)));
    }

    int leafFlags(int i) {
      return buf.getInt(elem(i));
    }

    long childPgid(int i) {
      return buf.getLong(elem(i) + 8);
    }

    byte[] branchKey(int i) throws IOException {
      int e = elem(i);
      return slice(e + buf.getInt(e), Integer.toUnsignedLong(buf.getInt(e + 4)));
    }
  }

  /** Reads page {@code pgid} with its overflow pages. */
  private Page page(long pgid) throws IOException {
    if (pgid < 2 || pgid >= highWaterMark) {
      throw new IOException("page " + pgid + ": out of bounds (high water mark "
          + highWaterMark + ")");
    }
    byte[] header = new byte[PAGE_HEADER];
    readFully(channel, ByteBuffer.wrap(header), pgid * pageSize);
    ByteBuffer h = BboltFormat.le(header);
    long overflow = Integer.toUnsignedLong(h.getInt(12));
    if (h.getLong(0) != pgid) {
      throw new IOException("page " + pgid + ": header names page " + h.getLong(0));
    }
    if (pgid + overflow >= highWaterMark) {
      throw new IOException("page " + pgid + ": overflow " + overflow + " beyond the high water "
          + "mark " + highWaterMark);
    }
    long bytes = (overflow + 1) * pageSize;
    if (bytes > Integer.MAX_VALUE - 16) {
      throw new IOException("page " + pgid + ": too large");
    }
    byte[] all = new byte[(int) bytes];
    readFully(channel, ByteBuffer.wrap(all), pgid * pageSize);
    Page p = new Page(pgid, all, 0);
    if ((p.flags() & (BboltFormat.LEAF_PAGE | BboltFormat.BRANCH_PAGE)) != 0) {
      p.checkElements();
    }
    return p;
  }

  @FunctionalInterface
  private interface ElementVisitor {
    boolean visit(int flags, byte[] key, byte[] value) throws IOException;
  }

  /** Visits the leaf elements under {@code p} in order; false once the visitor stopped. */
  private boolean walk(Page p, int depth, ElementVisitor v) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("page " + p.pgid + ": tree deeper than " + MAX_DEPTH);
    }
    if (p.isLeaf()) {
      for (int i = 0; i < p.count(); i++) {
        if (!v.visit(p.leafFlags(i), p.leafKey(i), p.leafValue(i))) {
          return false;
        }
      }
      return true;
    }
    if (!p.isBranch()) {
      throw new IOException("page " + p.pgid + ": invalid type " + p.flags());
    }
    for (int i = 0; i < p.count(); i++) {
      if (!walk(page(p.childPgid(i)), depth + 1, v)) {
        return false;
      }
    }
    return true;
  }

  /**
   * bbolt's consistency check ({@code tx.Check}): no page freed twice; every page of every
   * bucket within bounds, of a leaf or branch type, referenced once and not free; keys ascending
   * in each bucket and not below the branch keys above them; every page below the high water mark
   * either reachable or free (with no freelist page, as etcd writes its files, bbolt takes every
   * unreachable page for free). Returns the problems found, empty for a sound file.
   */
  public List<String> check() {
    List<String> problems = new ArrayList<>();
    Map<Long, Boolean> reachable = new HashMap<>();
    Set<Long> freed = new HashSet<>();
    reachable.put(0L, true);
    reachable.put(1L, true);
    try {
      if (freelistPgid != BboltFormat.NO_FREELIST) {
        Page fl = page(freelistPgid);
        if ((fl.flags() & BboltFormat.FREELIST_PAGE) == 0) {
          problems.add("page " + freelistPgid + ": not a freelist page");
        } else {
          long count = fl.count();
          int at = PAGE_HEADER;
          if (count == 0xffff) {
            count = fl.buf.getLong(at);
            at += 8;
          }
          for (long i = 0; i < count; i++) {
            if (at + 8 > fl.bytes.length) {
              problems.add("freelist page " + freelistPgid + ": overrun");
              break;
            }
            long id = fl.buf.getLong(at);
            at += 8;
            if (!freed.add(id)) {
              problems.add("page " + id + ": already freed");
            }
          }
        }
        for (long i = 0; i <= fl.overflow(); i++) {
          reachable.put(freelistPgid + i, true);
        }
      }
      checkTree(page(rootPgid), 0, reachable, freed, problems, new byte[1][]);
    } catch (IOException e) {
      problems.add(e.getMessage());
      return problems;
    }
    // Without a freelist page (etcd syncs none: bbolt's NoFreelistSync), bbolt counts every page
    // it cannot reach as free.
    for (long i = 0; i < highWaterMark && freelistPgid != BboltFormat.NO_FREELIST; i++) {
      if (!reachable.containsKey(i) && !freed.contains(i)) {
        problems.add("page " + i + ": unreachable unfreed");
      }
    }
    return problems;
  }

  private void checkTree(Page p, int depth, Map<Long, Boolean> reachable, Set<Long> freed,
      List<String> problems, byte[][] lastKey) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("page " + p.pgid + ": tree deeper than " + MAX_DEPTH);
    }
    if (p.base == 0) {
      for (long i = 0; i <= p.overflow(); i++) {
        if (reachable.put(p.pgid + i, true) != null) {
          problems.add("page " + (p.pgid + i) + ": multiple references");
        }
      }
      if (freed.contains(p.pgid)) {
        problems.add("page " + p.pgid + ": reachable freed");
      }
    }
    if (p.isLeaf()) {
      for (int i = 0; i < p.count(); i++) {
        byte[] k = p.leafKey(i);
        if (lastKey[0] != null && Arrays.compareUnsigned(lastKey[0], k) >= 0) {
          problems.add("page " + p.pgid + ": keys out of order");
        }
        lastKey[0] = k;
        if ((p.leafFlags(i) & BUCKET_LEAF_FLAG) != 0) {
          checkTree(bucketPage(p.leafValue(i)), 0, reachable, freed, problems, new byte[1][]);
        }
      }
    } else if (p.isBranch()) {
      for (int i = 0; i < p.count(); i++) {
        Page child = page(p.childPgid(i));
        byte[] first = firstKey(child, depth + 1);
        if (first != null && Arrays.compareUnsigned(first, p.branchKey(i)) < 0) {
          problems.add("page " + p.pgid + ": branch key " + i + " is above the first key of page "
              + child.pgid);
        }
        checkTree(child, depth + 1, reachable, freed, problems, lastKey);
      }
    } else {
      problems.add("page " + p.pgid + ": invalid type " + p.flags());
    }
  }

  private byte[] firstKey(Page p, int depth) throws IOException {
    if (p.count() == 0 || depth > MAX_DEPTH) {
      return null;
    }
    return p.isLeaf() ? p.leafKey(0) : p.isBranch() ? p.branchKey(0) : null;
  }

  /** Levels of bucket {@code name}'s tree (1: a single leaf), or 0 if there is no such bucket. */
  int depth(String name) throws IOException {
    Page p = bucketRoot(name.getBytes(StandardCharsets.UTF_8));
    int depth = 0;
    while (p != null) {
      depth++;
      p = p.isBranch() && p.count() > 0 && depth < MAX_DEPTH ? page(p.childPgid(0)) : null;
    }
    return depth;
  }

  /** Whether bucket {@code name} is stored inline in the root bucket. */
  boolean isInline(String name) throws IOException {
    Page p = bucketRoot(name.getBytes(StandardCharsets.UTF_8));
    return p != null && p.base != 0;
  }

  /** The file's size on disk, trailer included. */
  long fileSize() {
    return fileSize;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
