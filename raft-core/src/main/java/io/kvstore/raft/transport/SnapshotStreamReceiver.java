package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Frame;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.SnapshotAck;
import io.kvstore.raft.pb.SnapshotChunk;
import io.netty.channel.Channel;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not thread-safe: confined to the event loop of its channel. Writes the snapshot chunks arriving
 * on one channel into a {@link SnapshotSink.Receiver}, commits after the last, delivers the
 * MSG_SNAP and acknowledges every chunk.
 */
final class SnapshotStreamReceiver {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStreamReceiver.class);

  private final Channel channel;
  private final long peerId;
  private final PeerMetrics metrics;
  private final TransportContext ctx;

  /** The MSG_SNAP of the stream in progress; null exactly when {@code receiver} is. */
  private Message message;

  /** Where the stream in progress is written; null between streams and after a failure. */
  private SnapshotSink.Receiver receiver;

  SnapshotStreamReceiver(Channel channel, long peerId, PeerMetrics metrics, TransportContext ctx) {
    this.channel = channel;
    this.peerId = peerId;
    this.metrics = metrics;
    this.ctx = ctx;
  }

  void onChunk(SnapshotChunk chunk) {
    metrics.receivedBytes.increment(chunk.getData().size());
    if (chunk.hasMessage()) {
      if (receiver != null) {
        fail("a new stream started before the last chunk");
      }
      message = chunk.getMessage();
      try {
        receiver = ctx.sink().receive(message.getSnapshot().getMetadata());
      } catch (IOException | RuntimeException e) {
        LOG.error("cannot receive snapshot from member {}", Long.toHexString(peerId), e);
        message = null;
        metrics.snapshotReceiveFailures.increment();
        ack(SnapshotAck.Status.FAILED);
        return;
      }
      LOG.info(
          "receiving snapshot at index {} from member {}",
          message.getSnapshot().getMetadata().getIndex(),
          Long.toHexString(peerId));
    } else if (receiver == null) {
      return;
    }
    try {
      receiver.write(chunk.getData().toByteArray());
      if (!chunk.getLast()) {
        ack(SnapshotAck.Status.RECEIVED);
        return;
      }
      receiver.commit();
    } catch (IOException | RuntimeException e) {
      LOG.error("receiving snapshot from member {} failed", Long.toHexString(peerId), e);
      fail("write or commit failed");
      ack(SnapshotAck.Status.FAILED);
      return;
    }
    Message delivered = message;
    receiver = null;
    message = null;
    metrics.snapshotReceiveSuccess.increment();
    LOG.info("snapshot from member {} committed", Long.toHexString(peerId));
    ctx.inbound().onMessage(delivered);
    ack(SnapshotAck.Status.COMMITTED);
  }

  /** The channel is gone: aborts the stream in progress, if any. */
  void closed() {
    if (receiver != null) {
      fail("connection lost");
    }
  }

  private void fail(String why) {
    LOG.warn("aborting snapshot from member {}: {}", Long.toHexString(peerId), why);
    receiver.abort();
    receiver = null;
    message = null;
    metrics.snapshotReceiveFailures.increment();
  }

  private void ack(SnapshotAck.Status status) {
    channel.writeAndFlush(
        Frame.newBuilder().setAck(SnapshotAck.newBuilder().setStatus(status)).build(),
        channel.voidPromise());
  }
}
