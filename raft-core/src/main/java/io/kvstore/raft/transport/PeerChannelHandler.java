package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Frame;
import io.kvstore.raft.pb.Hello;
import io.kvstore.raft.pb.PeerAddress;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not thread-safe: confined to the event loop of its channel. The receiving half of one peer
 * channel: the Hello handshake, then dispatch of messages, snapshot chunks and acks. The dialing
 * side sends its Hello on connect; the accepting side checks it, answers with its own and only then
 * uses the channel.
 */
final class PeerChannelHandler extends SimpleChannelInboundHandler<Frame> {

  private static final Logger LOG = LoggerFactory.getLogger(PeerChannelHandler.class);
  private static final long HANDSHAKE_TIMEOUT_MILLIS = 5_000;

  private final TransportContext ctx;

  /** The transport's peers by id; used on accepted channels only. */
  private final Map<Long, Peer> peers;

  /** The peer this side dialed, or null on an accepted channel. */
  private final Peer dialed;

  /** The peer at the other end once the handshake succeeded, else null. */
  private Peer peer;

  /** Non-null exactly when {@code peer} is. */
  private PeerConnection connection;

  /** Non-null exactly when {@code peer} is. */
  private SnapshotStreamReceiver receiver;

  /** Closes the channel if no valid Hello arrives in time; null once the handshake is over. */
  private ScheduledFuture<?> handshakeTimeout;

  private PeerChannelHandler(TransportContext ctx, Map<Long, Peer> peers, Peer dialed) {
    this.ctx = ctx;
    this.peers = peers;
    this.dialed = dialed;
  }

  /** A handler for a channel this member dialed to {@code peer}. */
  static PeerChannelHandler dialed(TransportContext ctx, Peer peer) {
    return new PeerChannelHandler(ctx, null, peer);
  }

  /** A handler for an accepted channel; the Hello's member is looked up in {@code peers}. */
  static PeerChannelHandler accepted(TransportContext ctx, Map<Long, Peer> peers) {
    return new PeerChannelHandler(ctx, peers, null);
  }

  @Override
  public void channelActive(ChannelHandlerContext c) {
    handshakeTimeout =
        c.executor()
            .schedule(
                () -> {
                  LOG.warn(
                      "no handshake from {} within {} ms; closing",
                      who(c),
                      HANDSHAKE_TIMEOUT_MILLIS);
                  c.close();
                },
                HANDSHAKE_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS);
    if (dialed != null) {
      c.writeAndFlush(hello());
    }
    c.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext c, Frame frame) {
    if (frame.hasHello() && peer == null) {
      onHello(c, frame.getHello());
      return;
    }
    if (peer == null) {
      LOG.warn("{} sent {} before a handshake; closing", who(c), frame.getBodyCase());
      c.close();
      return;
    }
    switch (frame.getBodyCase()) {
      case MESSAGE -> {
        peer.metrics.received(frame.getMessage().getSerializedSize());
        ctx.inbound().onMessage(frame.getMessage());
      }
      case CHUNK -> receiver.onChunk(frame.getChunk());
      case ACK -> connection.onSnapshotAck(frame.getAck());
      default -> {
        LOG.warn("unexpected {} frame from {}; closing", frame.getBodyCase(), who(c));
        c.close();
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext c) {
    if (connection != null && c.channel().isWritable()) {
      connection.drain();
    }
    c.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext c) {
    if (handshakeTimeout != null) {
      handshakeTimeout.cancel(false);
    }
    if (connection != null) {
      connection.closed();
      receiver.closed();
    }
    c.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
    if (cause instanceof IOException) {
      LOG.debug("connection to {} failed: {}", who(c), cause.toString());
    } else if (cause instanceof DecoderException) {
      LOG.error("closing connection to {}: bad frame: {}", who(c), cause.getMessage());
    } else {
      LOG.error("closing connection to {}", who(c), cause);
    }
    c.close();
  }

  private void onHello(ChannelHandlerContext c, Hello hello) {
    long from = hello.getMemberId();
    long localId = ctx.config().memberId();
    if (dialed == null && hello.getClusterId() == 0 && from == 0) {
      answerProbe(c, hello.getJoinerAddress());
      return;
    }
    if (hello.getClusterId() != ctx.config().clusterId()) {
      LOG.error(
          "refusing connection with member {} at {}: its cluster id {} is not ours ({})",
          Long.toHexString(from),
          c.channel().remoteAddress(),
          Long.toHexString(hello.getClusterId()),
          Long.toHexString(ctx.config().clusterId()));
      if (dialed == null) {
        c.writeAndFlush(hello()).addListener(ChannelFutureListener.CLOSE);
      } else {
        c.close();
      }
      return;
    }
    Peer found;
    if (dialed != null) {
      found = from == dialed.id ? dialed : null;
    } else {
      found = from < localId ? peers.get(from) : null;
    }
    if (found == null) {
      LOG.warn(
          "refusing connection with member {} at {}: {}",
          Long.toHexString(from),
          c.channel().remoteAddress(),
          dialed != null
              ? "expected member " + Long.toHexString(dialed.id)
              : from >= localId ? "the member with the lower id dials" : "not a known peer");
      c.close();
      return;
    }
    if (dialed == null) {
      c.writeAndFlush(hello());
    }
    handshakeTimeout.cancel(false);
    handshakeTimeout = null;
    peer = found;
    connection = new PeerConnection(c.channel(), found.id, found.metrics, ctx);
    receiver = new SnapshotStreamReceiver(c.channel(), found.id, found.metrics, ctx);
    found.attach(connection);
  }

  /**
   * Answers a joining member's probe with this member's identity and every peer's address, if one
   * of the peers listens at {@code joinerAddress} (the joiner was added to the configuration);
   * closes the channel either way.
   */
  private void answerProbe(ChannelHandlerContext c, String joinerAddress) {
    boolean added =
        peers.values().stream().anyMatch(p -> hostPort(p.address()).equals(joinerAddress));
    if (!added) {
      LOG.warn("refusing join probe from {} at {}: no member of this cluster has that peer address",
          joinerAddress, c.channel().remoteAddress());
      c.close();
      return;
    }
    Hello.Builder answer = hello().getHello().toBuilder();
    peers.values().forEach(p -> answer.addPeers(PeerAddress.newBuilder().setId(p.id)
        .setHost(p.address().getHostString()).setPort(p.address().getPort())));
    LOG.info("answered join probe from {}", joinerAddress);
    c.writeAndFlush(Frame.newBuilder().setHello(answer).build())
        .addListener(ChannelFutureListener.CLOSE);
  }

  /** {@code host:port} as a joiner names its advertised peer URL. */
  static String hostPort(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  private Frame hello() {
    return Frame.newBuilder()
        .setHello(
            Hello.newBuilder()
                .setMemberId(ctx.config().memberId())
                .setClusterId(ctx.config().clusterId()))
        .build();
  }

  private String who(ChannelHandlerContext c) {
    return peer != null
        ? "member " + Long.toHexString(peer.id)
        : String.valueOf(c.channel().remoteAddress());
  }
}
