package io.kvstore.raft.storage;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The data section of a snapshot file. The CRC32C trailer is checked as soon as the last data
 * byte has been read, so a reader that reaches the end has read exactly what was written, or gets
 * an {@link IOException} naming the file.
 *
 * <p>Thread-safety: not thread-safe, like any {@link InputStream}.
 */
final class SnapshotDataStream extends InputStream {
  private final InputStream in;
  private final Path file;
  /** Covers the header and every data byte returned so far. */
  private final CRC32C crc;
  /** Data bytes not yet returned; 0 once the trailer has been checked. */
  private long remaining;

  SnapshotDataStream(InputStream in, Path file, CRC32C crc, long dataBytes) throws IOException {
    this.in = in;
    this.file = file;
    this.crc = crc;
    this.remaining = dataBytes;
    if (dataBytes == 0) {
      verify();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (remaining == 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw SnapshotFormat.corrupted(file, "truncated data, " + remaining + " bytes missing");
    }
    crc.update(b, off, n);
    remaining -= n;
    if (remaining == 0) {
      verify();
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private void verify() throws IOException {
    int stored = new DataInputStream(in).readInt();
    int computed = (int) crc.getValue();
    if (stored != computed) {
      throw SnapshotFormat.corrupted(
          file, String.format("CRC32C mismatch: stored %08x, computed %08x", stored, computed));
    }
  }
}
