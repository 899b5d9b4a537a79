package io.kvstore.raft.storage;

import com.google.protobuf.TextFormat;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Receives a whole snapshot file (as {@link SnapshotStore#file} holds it) in chunks into a temp
 * file; {@link #commit()} checks it and publishes it atomically, {@link #abort()} or {@link
 * #close()} without a commit deletes it. The store's existing snapshots are never touched until a
 * checked file replaces them.
 *
 * <p>Thread-safety: not thread-safe; one thread (or a sequence of threads with happens-before, as
 * a Netty channel's event loop) feeds it.
 */
public final class SnapshotReceiver implements AutoCloseable {
  private final SnapshotStore store;
  private final SnapshotMetadata expected;
  private final Path temp;
  private final FileChannel channel;
  /** Covers every received byte except the last four, which may be the trailer. */
  private final CRC32C crc = new CRC32C();
  /** The last (up to four) bytes received, not yet in {@link #crc}. */
  private byte[] held = new byte[0];
  private long received;
  /** Set once committed or aborted; no more calls are accepted after that. */
  private boolean finished;

  SnapshotReceiver(SnapshotStore store, SnapshotMetadata expected, Path temp) throws IOException {
    this.store = store;
    this.expected = expected;
    this.temp = temp;
    this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
  }

  /** Appends the chunk's remaining bytes, consuming them. */
  public void write(ByteBuffer chunk) throws IOException {
    checkOpen();
    ByteBuffer view = chunk.duplicate();
    int n = chunk.remaining();
    while (chunk.hasRemaining()) {
      channel.write(chunk);
    }
    int release = Math.max(0, held.length + n - SnapshotFormat.TRAILER_BYTES);
    int fromHeld = Math.min(release, held.length);
    crc.update(held, 0, fromHeld);
    int fromChunk = release - fromHeld;
    ByteBuffer head = view.slice();
    head.limit(fromChunk);
    crc.update(head);
    view.position(view.position() + fromChunk);
    byte[] next = new byte[held.length - fromHeld + view.remaining()];
    System.arraycopy(held, fromHeld, next, 0, held.length - fromHeld);
    view.get(next, held.length - fromHeld, view.remaining());
    held = next;
    received += n;
  }

  /** Appends {@code chunk}. */
  public void write(byte[] chunk) throws IOException {
    write(ByteBuffer.wrap(chunk));
  }

  /**
   * Checks the received file (magic, version, metadata equal to the expected one, CRC32C), syncs
   * it and publishes it atomically, then purges old snapshots. On a failed check the temp file is
   * deleted and the store's snapshots are left as they were.
   *
   * @throws IOException naming the snapshot and what is wrong, if the check or the sync failed
   */
  public void commit() throws IOException {
    checkOpen();
    finished = true;
    try {
      channel.force(true);
      channel.close();
      verify();
      store.publish(temp, expected);
    } catch (IOException | RuntimeException e) {
      channel.close();
      Files.deleteIfExists(temp);
      throw new IOException(
          "received snapshot at term " + expected.getTerm() + " index " + expected.getIndex()
              + " was rejected and deleted, existing snapshots are kept: " + e.getMessage(),
          e);
    }
  }

  /** Deletes the temp file; does nothing after a commit or an abort. */
  public void abort() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    channel.close();
    Files.deleteIfExists(temp);
  }

  /** Aborts unless committed, so try-with-resources never leaves a temp file behind. */
  @Override
  public void close() throws IOException {
    abort();
  }

  private void verify() throws IOException {
    SnapshotFormat.Header header;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(temp))) {
      header = SnapshotFormat.readHeader(in, new CRC32C(), temp);
    }
    if (!header.metadata().equals(expected)) {
      throw SnapshotFormat.corrupted(
          temp,
          "metadata is {" + TextFormat.shortDebugString(header.metadata()) + "}, expected {"
              + TextFormat.shortDebugString(expected) + "}");
    }
    if (received < header.bytes() + SnapshotFormat.TRAILER_BYTES) {
      throw SnapshotFormat.corrupted(temp, "truncated: no CRC32C trailer");
    }
    int stored = ByteBuffer.wrap(held).getInt();
    int computed = (int) crc.getValue();
    if (stored != computed) {
      throw SnapshotFormat.corrupted(
          temp, String.format("CRC32C mismatch: stored %08x, computed %08x", stored, computed));
    }
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("snapshot receiver for " + temp + " is already finished");
    }
  }
}
