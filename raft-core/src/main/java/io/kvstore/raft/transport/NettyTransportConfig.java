package io.kvstore.raft.transport;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Immutable. Settings of a {@link NettyTransport}.
 *
 * @param memberId this member's Raft id, never 0
 * @param clusterId the cluster this member belongs to; connections from other clusters are refused
 * @param listenAddress where to accept peer connections (port 0 picks a free port)
 * @param maxQueuedMessages per-peer bound on messages waiting to be written
 * @param maxQueuedBytes per-peer bound on the serialized bytes waiting to be written
 * @param snapshotChunkBytes the size of the pieces a snapshot file is streamed in
 */
public record NettyTransportConfig(
    long memberId,
    long clusterId,
    InetSocketAddress listenAddress,
    int maxQueuedMessages,
    long maxQueuedBytes,
    int snapshotChunkBytes) {

  public static final int DEFAULT_MAX_QUEUED_MESSAGES = 4096;
  public static final long DEFAULT_MAX_QUEUED_BYTES = 64L << 20;
  public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 256 << 10;

  /** The defaults for everything but the identity and the address. */
  public static NettyTransportConfig of(
      long memberId, long clusterId, InetSocketAddress listenAddress) {
    return new NettyTransportConfig(
        memberId,
        clusterId,
        listenAddress,
        DEFAULT_MAX_QUEUED_MESSAGES,
        DEFAULT_MAX_QUEUED_BYTES,
        DEFAULT_SNAPSHOT_CHUNK_BYTES);
  }

  /** Returns this config, or throws naming the first invalid field and why. */
  public NettyTransportConfig validate() {
    if (memberId == 0) {
      throw new IllegalArgumentException("memberId must not be 0: Raft reserves 0 for none");
    }
    Objects.requireNonNull(listenAddress, "listenAddress");
    if (maxQueuedMessages < 1) {
      throw new IllegalArgumentException(
          "maxQueuedMessages must be positive, got " + maxQueuedMessages);
    }
    if (maxQueuedBytes < FrameCodec.MAX_FRAME_BYTES) {
      throw new IllegalArgumentException(
          "maxQueuedBytes must be at least the maximum frame size "
              + FrameCodec.MAX_FRAME_BYTES
              + " so any message fits, got "
              + maxQueuedBytes);
    }
    if (snapshotChunkBytes < 1 || snapshotChunkBytes > FrameCodec.MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "snapshotChunkBytes must be in [1, "
              + FrameCodec.MAX_MESSAGE_BYTES
              + "] to fit in a frame, got "
              + snapshotChunkBytes);
    }
    return this;
  }
}
