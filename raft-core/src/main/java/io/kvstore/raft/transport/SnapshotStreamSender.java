package io.kvstore.raft.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.SnapshotChunk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not thread-safe: confined to the event loop of its channel. Cuts one snapshot file into chunks
 * and keeps at most {@link #WINDOW} of them unacknowledged, so a large snapshot never fills the
 * socket ahead of heartbeats.
 */
final class SnapshotStreamSender implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStreamSender.class);

  /** Chunks that may be sent before the receiver has acknowledged the oldest. */
  static final int WINDOW = 2;

  /** The MSG_SNAP to deliver after the file, without snapshot data. */
  private final Message message;

  private final FileChannel file;
  private final long size;
  private final int chunkBytes;

  /** Bytes of the file already sent; 0 ≤ position ≤ size. */
  private long position;

  /** Chunks sent and not yet acknowledged; 0 ≤ unacked ≤ WINDOW. */
  private int unacked;

  /** Whether the chunk marked last has been sent. */
  private boolean lastSent;

  private SnapshotStreamSender(Message message, FileChannel file, long size, int chunkBytes) {
    this.message = message;
    this.file = file;
    this.size = size;
    this.chunkBytes = chunkBytes;
  }

  /** Opens {@code path} to stream it after {@code message}, whose snapshot data is dropped. */
  static SnapshotStreamSender open(Message message, Path path, int chunkBytes) throws IOException {
    FileChannel file = FileChannel.open(path, StandardOpenOption.READ);
    try {
      Message withoutData =
          message.toBuilder().setSnapshot(message.getSnapshot().toBuilder().clearData()).build();
      return new SnapshotStreamSender(withoutData, file, file.size(), chunkBytes);
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  long peerId() {
    return message.getTo();
  }

  /** Whether {@link #nextChunk} may be called now. */
  boolean canSend() {
    return !lastSent && unacked < WINDOW;
  }

  /** Reads the next chunk; the first carries the message, the final one is marked last. */
  SnapshotChunk nextChunk() throws IOException {
    int length = (int) Math.min(chunkBytes, size - position);
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (file.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("snapshot file shrank to " + (position + buffer.position()));
      }
    }
    SnapshotChunk.Builder chunk =
        SnapshotChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(buffer.array()));
    if (position == 0) {
      chunk.setMessage(message);
    }
    position += length;
    lastSent = position == size;
    unacked++;
    return chunk.setLast(lastSent).build();
  }

  /** The receiver wrote one more chunk. */
  void onReceived() {
    unacked = Math.max(0, unacked - 1);
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      LOG.debug("closing the snapshot file for member {} failed", Long.toHexString(peerId()), e);
    }
  }
}
