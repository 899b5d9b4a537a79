package io.kvstore.server.bbolt;

import static io.kvstore.server.bbolt.BboltFormat.BUCKET_HEADER;
import static io.kvstore.server.bbolt.BboltFormat.BUCKET_LEAF_FLAG;
import static io.kvstore.server.bbolt.BboltFormat.ELEMENT;
import static io.kvstore.server.bbolt.BboltFormat.PAGE_HEADER;
import static io.kvstore.server.bbolt.BboltFormat.PAGE_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a fresh, compact bbolt database file (format version 2, 4096-byte pages) that bbolt, and
 * so etcd and etcdctl, open as their own: meta pages 0 and 1, an empty freelist on page 2, then the
 * pages of every bucket, written as the rows arrive, and the root bucket's pages last.
 *
 * <p>Use: {@link #create}, then for each top-level bucket in ascending byte order {@link #bucket},
 * {@link BucketWriter#put} its rows in ascending key order, {@link BucketWriter#close}; then {@link
 * #finish}. Only the current leaf page and one branch entry per written page are held in memory,
 * so a bucket of any size streams to the file.
 *
 * <p>Invariants of the file written: every page below the high water mark is reachable exactly
 * once (the freelist is empty), so bbolt's consistency check ({@code tx.Check}, which etcdctl's
 * {@code snapshot status} runs) passes; keys are strictly ascending in each bucket; each page
 * header carries its own page id; a leaf element too big for one page gets a page with overflow
 * pages; a bucket whose leaf fits in a quarter page is stored inline in its parent, as bbolt does;
 * both meta pages describe the same tree (transaction ids 0 and 1), with bbolt's FNV-64a checksum.
 * A file whose {@link #finish} did not complete has no valid meta page and must be discarded.
 *
 * <p>Thread-safety: not thread-safe; one thread writes a file from start to finish.
 */
public final class BboltWriter implements AutoCloseable {
  private static final long FIRST_DATA_PAGE = 3;
  private static final long FREELIST_PGID = 2;

  private final FileChannel channel;
  private final TreeBuilder root = new TreeBuilder();
  private long nextPgid = FIRST_DATA_PAGE;
  private BucketWriter open;
  private boolean finished;

  private BboltWriter(FileChannel channel) {
    this.channel = channel;
  }

  /** Creates (or truncates) {@code file} for writing. */
  public static BboltWriter create(Path file) throws IOException {
    return new BboltWriter(FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
  }

  /** Opens the next top-level bucket; names must ascend and the previous bucket be closed. */
  public BucketWriter bucket(String name) throws IOException {
    return bucket(name.getBytes(StandardCharsets.UTF_8));
  }

  /** Opens the next top-level bucket; names must ascend and the previous bucket be closed. */
  public BucketWriter bucket(byte[] name) throws IOException {
    if (finished) {
      throw new IllegalStateException("the file is finished");
    }
    if (open != null) {
      throw new IllegalStateException("bucket " + new String(open.name, StandardCharsets.UTF_8)
          + " is still open");
    }
    root.checkNext(name);
    open = new BucketWriter(name);
    return open;
  }

  /** Pages the file occupies so far (its size once finished is this times the page size). */
  public long pageCount() {
    return nextPgid;
  }

  /**
   * Writes the root bucket, the freelist and the meta pages, and syncs the file. Returns the
   * file's size in bytes.
   */
  public long finish() throws IOException {
    if (open != null) {
      open.close();
    }
    if (finished) {
      return nextPgid * PAGE_SIZE;
    }
    long rootPgid = root.finishTree();
    byte[] freelist = new byte[PAGE_SIZE];
    BboltFormat.le(freelist).putLong(0, FREELIST_PGID).putShort(8, BboltFormat.FREELIST_PAGE);
    writeAt(FREELIST_PGID, freelist);
    for (int i = 0; i < 2; i++) {
      writeAt(i, metaPage(i, rootPgid, nextPgid, i));
    }
    channel.force(true);
    finished = true;
    return nextPgid * PAGE_SIZE;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  static byte[] metaPage(long id, long rootPgid, long highWaterMark, long txid) {
    byte[] page = new byte[PAGE_SIZE];
    ByteBuffer b = BboltFormat.le(page);
    b.putLong(0, id).putShort(8, BboltFormat.META_PAGE);
    b.position(PAGE_HEADER);
    b.putInt(BboltFormat.MAGIC).putInt(BboltFormat.VERSION).putInt(PAGE_SIZE).putInt(0)
        .putLong(rootPgid).putLong(0).putLong(FREELIST_PGID).putLong(highWaterMark)
        .putLong(txid);
    b.putLong(BboltFormat.fnv64a(page, PAGE_HEADER, BboltFormat.META_CHECKSUMMED));
    return page;
  }

  private long allocate(int pages) {
    long pgid = nextPgid;
    nextPgid += pages;
    return pgid;
  }

  private void writeAt(long pgid, byte[] page) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(page);
    long pos = pgid * PAGE_SIZE;
    while (buf.hasRemaining()) {
      pos += channel.write(buf, pos);
    }
  }

  /** Writes a page (leaf or branch) of {@code contentBytes} built by {@code fill}; its pgid. */
  private long writePage(long contentBytes, PageFill fill) throws IOException {
    int pages = BboltFormat.pagesFor(contentBytes);
    long pgid = allocate(pages);
    byte[] page = new byte[pages * PAGE_SIZE];
    fill.fill(page, pgid, pages - 1);
    writeAt(pgid, page);
    return pgid;
  }

  @FunctionalInterface
  private interface PageFill {
    void fill(byte[] page, long pgid, int overflow);
  }

  /** Encodes leaf elements into {@code page} from offset {@code base}. */
  private static void encodeLeaf(byte[] page, int base, long id, int overflow,
      List<Elem> elems) {
    ByteBuffer b = BboltFormat.le(page);
    b.putLong(base, id).putShort(base + 8, BboltFormat.LEAF_PAGE)
        .putShort(base + 10, (short) elems.size()).putInt(base + 12, overflow);
    int elem = base + PAGE_HEADER;
    int data = elem + elems.size() * ELEMENT;
    for (Elem e : elems) {
      b.putInt(elem, e.flags).putInt(elem + 4, data - elem).putInt(elem + 8, e.key.length)
          .putInt(elem + 12, e.value.length);
      System.arraycopy(e.key, 0, page, data, e.key.length);
      System.arraycopy(e.value, 0, page, data + e.key.length, e.value.length);
      data += e.key.length + e.value.length;
      elem += ELEMENT;
    }
  }

  private record Elem(int flags, byte[] key, byte[] value) {
    long size() {
      return (long) ELEMENT + key.length + value.length;
    }
  }

  /**
   * Builds one B+tree (a bucket's) from elements in ascending key order: fills leaf pages, keeps
   * the first key and page id of each, and builds the branch levels above them at the end.
   */
  private final class TreeBuilder {
    private final List<Elem> leaf = new ArrayList<>();
    private long leafBytes;
    private boolean hasSubBucket;
    private final List<byte[]> childKeys = new ArrayList<>();
    private final List<Long> childPgids = new ArrayList<>();
    private byte[] lastKey;
    private long count;

    void checkNext(byte[] key) {
      if (key.length == 0 || key.length > BboltFormat.MAX_KEY) {
        throw new IllegalArgumentException("bbolt keys hold 1 to " + BboltFormat.MAX_KEY
            + " bytes, not " + key.length);
      }
      if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
        throw new IllegalArgumentException("keys must ascend: " + Arrays.toString(key)
            + " after " + Arrays.toString(lastKey));
      }
    }

    void add(int flags, byte[] key, byte[] value) throws IOException {
      checkNext(key);
      if (value.length > BboltFormat.MAX_VALUE) {
        throw new IllegalArgumentException("value too large: " + value.length);
      }
      Elem e = new Elem(flags, key, value);
      if (!leaf.isEmpty() && PAGE_HEADER + leafBytes + e.size() > PAGE_SIZE) {
        flushLeaf();
      }
      leaf.add(e);
      leafBytes += e.size();
      hasSubBucket |= (flags & BUCKET_LEAF_FLAG) != 0;
      lastKey = key;
      count++;
    }

    private void flushLeaf() throws IOException {
      List<Elem> elems = List.copyOf(leaf);
      long pgid = writePage(PAGE_HEADER + leafBytes,
          (page, id, overflow) -> encodeLeaf(page, 0, id, overflow, elems));
      childKeys.add(elems.isEmpty() ? new byte[0] : elems.get(0).key);
      childPgids.add(pgid);
      leaf.clear();
      leafBytes = 0;
    }

    /** Whether the tree fits inline in its parent's leaf, as bbolt's {@code inlineable}. */
    boolean inlineable() {
      return childPgids.isEmpty() && !hasSubBucket
          && PAGE_HEADER + leafBytes <= BboltFormat.MAX_INLINE;
    }

    /** The bucket header and inline page for an {@link #inlineable} tree. */
    byte[] inlineValue() {
      byte[] value = new byte[(int) (BUCKET_HEADER + PAGE_HEADER + leafBytes)];
      encodeLeaf(value, BUCKET_HEADER, 0, 0, leaf);
      return value;
    }

    /** Writes the remaining leaf and the branch levels; the root page id. */
    long finishTree() throws IOException {
      if (!leaf.isEmpty() || childPgids.isEmpty()) {
        flushLeaf();
      }
      List<byte[]> keys = new ArrayList<>(childKeys);
      List<Long> pgids = new ArrayList<>(childPgids);
      while (pgids.size() > 1) {
        List<byte[]> upKeys = new ArrayList<>();
        List<Long> upPgids = new ArrayList<>();
        int i = 0;
        while (i < pgids.size()) {
          int j = i;
          long size = PAGE_HEADER;
          while (j < pgids.size()
              && (j == i || size + ELEMENT + keys.get(j).length <= PAGE_SIZE)) {
            size += ELEMENT + keys.get(j).length;
            j++;
          }
          List<byte[]> k = keys.subList(i, j);
          List<Long> p = pgids.subList(i, j);
          upKeys.add(keys.get(i));
          upPgids.add(writePage(size, (page, id, overflow) -> encodeBranch(page, id, overflow,
              k, p)));
          i = j;
        }
        keys = upKeys;
        pgids = upPgids;
      }
      return pgids.get(0);
    }
  }

  private static void encodeBranch(byte[] page, long id, int overflow, List<byte[]> keys,
      List<Long> pgids) {
    ByteBuffer b = BboltFormat.le(page);
    b.putLong(0, id).putShort(8, BboltFormat.BRANCH_PAGE).putShort(10, (short) keys.size())
        .putInt(12, overflow);
    int elem = PAGE_HEADER;
    int data = elem + keys.size() * ELEMENT;
    for (int i = 0; i < keys.size(); i++) {
      byte[] key = keys.get(i);
      b.putInt(elem, data - elem).putInt(elem + 4, key.length).putLong(elem + 8, pgids.get(i));
      System.arraycopy(key, 0, page, data, key.length);
      data += key.length;
      elem += ELEMENT;
    }
  }

  /**
   * One top-level bucket being written. Not thread-safe; closing it adds it to the root bucket.
   */
  public final class BucketWriter implements AutoCloseable {
    private final byte[] name;
    private final TreeBuilder tree = new TreeBuilder();
    private boolean closed;

    private BucketWriter(byte[] name) {
      this.name = name;
    }

    /** Adds a row; keys must ascend (unsigned byte order) and hold 1 to 32768 bytes. */
    public void put(byte[] key, byte[] value) throws IOException {
      if (closed) {
        throw new IllegalStateException("the bucket is closed");
      }
      tree.add(0, key, value);
    }

    /** Rows added so far. */
    public long count() {
      return tree.count;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      byte[] value;
      if (tree.inlineable()) {
        value = tree.inlineValue();
      } else {
        value = new byte[BUCKET_HEADER];
        BboltFormat.le(value).putLong(0, tree.finishTree());
      }
      open = null;
      root.add(BUCKET_LEAF_FLAG, name, value);
    }
  }
}
