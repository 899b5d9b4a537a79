package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Message;
import java.net.InetSocketAddress;

/**
 * Moves Raft messages between members. Sending never blocks the caller: messages to a peer whose
 * queue is full, or who cannot be reached, are dropped and reported through {@link
 * Inbound#onUnreachable}; Raft retransmits.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public interface Transport extends AutoCloseable {

  /** Receives what arrives; its methods are called from transport threads. */
  interface Inbound {
    /** A message from a peer; for {@code MSG_SNAP} the snapshot file is already committed. */
    void onMessage(Message message);

    /** The peer could not be reached or a message to it was dropped. */
    void onUnreachable(long peerId);

    /** A snapshot stream to {@code peerId} finished; {@code failed} if it did not arrive whole. */
    void onSnapshotStatus(long peerId, boolean failed);
  }

  /** Binds the listening socket and starts delivering inbound messages. */
  void start(Inbound inbound);

  /** The address this member listens on for peers (its bound port if 0 was asked for). */
  InetSocketAddress localAddress();

  /** Adds or re-addresses a peer. */
  void addPeer(long id, InetSocketAddress address);

  void removePeer(long id);

  /** Queues a message; {@code MSG_SNAP} messages stream their snapshot file in chunks. */
  void send(Message message);

  @Override
  void close();
}
