package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Frame;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.SnapshotAck;
import io.kvstore.raft.pb.SnapshotChunk;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe where stated: {@link #offer} and {@link #sendSnapshot} may be called from any thread,
 * every other method runs on the channel's event loop. The sending half of one handshaken channel
 * to a peer: a bounded queue of messages, written in batches with one flush per batch while the
 * channel is writable, and at most one snapshot stream whose chunks go out only when no message is
 * waiting.
 */
final class PeerConnection {

  private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);

  final Channel channel;
  private final long peerId;
  private final PeerMetrics metrics;
  private final TransportContext ctx;

  /** Messages waiting to be written; at most {@code maxQueuedMessages}. */
  private final BlockingQueue<Message> queue;

  /** Serialized size of the queued messages; at most {@code maxQueuedBytes}. */
  private final AtomicLong queuedBytes = new AtomicLong();

  /** Whether a drain task is submitted and has not started yet. */
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  /** The snapshot stream in progress, or null. */
  private SnapshotStreamSender snapshot;

  /** Set once the channel is inactive; nothing is written after. */
  private boolean closed;

  PeerConnection(Channel channel, long peerId, PeerMetrics metrics, TransportContext ctx) {
    this.channel = channel;
    this.peerId = peerId;
    this.metrics = metrics;
    this.ctx = ctx;
    this.queue = new LinkedBlockingQueue<>(ctx.config().maxQueuedMessages());
  }

  /** Queues {@code message}; false if the channel is gone or the queue is full. */
  boolean offer(Message message) {
    if (!channel.isActive()) {
      return false;
    }
    int size = message.getSerializedSize();
    if (queuedBytes.addAndGet(size) > ctx.config().maxQueuedBytes() || !queue.offer(message)) {
      queuedBytes.addAndGet(-size);
      return false;
    }
    if (drainScheduled.compareAndSet(false, true)) {
      channel.eventLoop().execute(this::drain);
    }
    return true;
  }

  /** Starts streaming the snapshot of a MSG_SNAP, or reports it failed at once. */
  void sendSnapshot(Message message) {
    channel.eventLoop().execute(() -> startSnapshot(message));
  }

  /** Writes what is queued, then snapshot chunks, while the channel is writable; flushes once. */
  void drain() {
    drainScheduled.set(false);
    if (closed) {
      return;
    }
    boolean wrote = false;
    Message message;
    while (channel.isWritable() && (message = queue.poll()) != null) {
      int size = message.getSerializedSize();
      queuedBytes.addAndGet(-size);
      channel.write(Frame.newBuilder().setMessage(message).build(), channel.voidPromise());
      metrics.sent(size);
      wrote = true;
    }
    while (snapshot != null && snapshot.canSend() && queue.isEmpty() && channel.isWritable()) {
      SnapshotChunk chunk;
      try {
        chunk = snapshot.nextChunk();
      } catch (IOException e) {
        LOG.error("reading the snapshot for member {} failed; closing the connection", hex(), e);
        channel.close();
        break;
      }
      channel.write(Frame.newBuilder().setChunk(chunk).build(), channel.voidPromise());
      metrics.sentBytes.increment(chunk.getData().size());
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
  }

  /** Handles the receiver's answer to a chunk. */
  void onSnapshotAck(SnapshotAck ack) {
    if (snapshot == null) {
      return;
    }
    switch (ack.getStatus()) {
      case RECEIVED -> {
        snapshot.onReceived();
        drain();
      }
      case COMMITTED -> finishSnapshot(false);
      default -> finishSnapshot(true);
    }
  }

  /** The channel is inactive: drops what is queued and fails the snapshot stream. */
  void closed() {
    closed = true;
    int dropped = 0;
    while (queue.poll() != null) {
      dropped++;
    }
    queuedBytes.set(0);
    metrics.sentFailures.increment(dropped);
    if (snapshot != null) {
      finishSnapshot(true);
    }
  }

  private void startSnapshot(Message message) {
    SnapshotMetadata meta = message.getSnapshot().getMetadata();
    if (closed) {
      reportSnapshot(true);
      return;
    }
    if (snapshot != null) {
      LOG.warn(
          "a snapshot stream to member {} is in progress; failing the one at index {}",
          hex(),
          meta.getIndex());
      reportSnapshot(true);
      return;
    }
    Optional<Path> path = ctx.source().file(meta.getTerm(), meta.getIndex());
    if (path.isEmpty()) {
      LOG.error("no snapshot file at term {} index {} to send", meta.getTerm(), meta.getIndex());
      reportSnapshot(true);
      return;
    }
    try {
      snapshot = SnapshotStreamSender.open(message, path.get(), ctx.config().snapshotChunkBytes());
    } catch (IOException e) {
      LOG.error("cannot open snapshot file {}", path.get(), e);
      reportSnapshot(true);
      return;
    }
    LOG.info("streaming snapshot at index {} to member {}", meta.getIndex(), hex());
    drain();
  }

  private void finishSnapshot(boolean failed) {
    snapshot.close();
    snapshot = null;
    if (failed) {
      LOG.warn("snapshot stream to member {} failed", hex());
    } else {
      LOG.info("snapshot stream to member {} committed", hex());
    }
    reportSnapshot(failed);
  }

  private void reportSnapshot(boolean failed) {
    (failed ? metrics.snapshotSendFailures : metrics.snapshotSendSuccess).increment();
    ctx.inbound().onSnapshotStatus(peerId, failed);
  }

  private String hex() {
    return Long.toHexString(peerId);
  }
}
