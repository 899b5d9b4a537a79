package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Message;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe: every method may be called from any thread, and {@link Inbound} callbacks arrive on
 * the transport's I/O threads until {@link #close} returns. A {@link Transport} over Netty NIO
 * sockets.
 *
 * <p>Each pair of members shares one long-lived connection, dialed by the member with the lower id
 * and used in both directions once both sides exchanged a Hello carrying member and cluster id.
 * Frames are length-prefixed protobuf ({@link FrameCodec}). Messages to a peer wait in a bounded
 * queue and are written in batches on the connection's event loop; a full queue or a missing
 * connection drops the message and reports the peer unreachable (at most once per 100 ms). The
 * dialing side reconnects with exponential backoff. A MSG_SNAP streams the file {@link
 * SnapshotSource} names in chunks, behind any queued message, with a small window of unacknowledged
 * chunks; the receiver writes them to a {@link SnapshotSink} and delivers the MSG_SNAP once the
 * file is committed.
 */
public final class NettyTransport implements Transport {

  private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
  private static final int IO_THREADS = 2;
  private static final int CONNECT_TIMEOUT_MILLIS = 1_000;
  private static final long SHUTDOWN_TIMEOUT_SECONDS = 5;
  private static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(256 << 10, 1 << 20);

  private final NettyTransportConfig config;
  private final SnapshotSource source;
  private final SnapshotSink sink;
  private final MeterRegistry registry;

  /** Peers by id; never contains this member. Changed only under {@code this}. */
  private final ConcurrentMap<Long, Peer> peers = new ConcurrentHashMap<>();

  /** Channels the listening socket accepted, whether their handshake succeeded or not. */
  private final AtomicLong acceptedConnections = new AtomicLong();

  /** Non-null once started. */
  private volatile TransportContext ctx;

  /** Set by close; every later call is a no-op. */
  private volatile boolean closed;

  /** Non-null once started; guarded by {@code this}. */
  private EventLoopGroup bossGroup;

  /** Non-null once started; guarded by {@code this}. */
  private EventLoopGroup workerGroup;

  /** Non-null once started; guarded by {@code this}. */
  private Bootstrap dialBootstrap;

  /** Non-null once started. */
  private volatile Channel serverChannel;

  /**
   * Creates a transport that is idle until {@link #start}.
   *
   * @param source finds the file of each MSG_SNAP to send
   * @param sink stores snapshots sent by peers
   * @param registry where the per-peer meters go; null for none
   */
  public NettyTransport(
      NettyTransportConfig config,
      SnapshotSource source,
      SnapshotSink sink,
      MeterRegistry registry) {
    this.config = config.validate();
    this.source = Objects.requireNonNull(source, "source");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.registry = registry != null ? registry : new CompositeMeterRegistry();
  }

  @Override
  public synchronized void start(Inbound inbound) {
    if (ctx != null || closed) {
      throw new IllegalStateException(closed ? "transport is closed" : "transport already started");
    }
    TransportContext context =
        new TransportContext(config, source, sink, Objects.requireNonNull(inbound, "inbound"));
    String name = "kvstore-transport-" + Long.toHexString(config.memberId());
    bossGroup = new NioEventLoopGroup(1, new DefaultThreadFactory(name + "-accept", true));
    workerGroup = new NioEventLoopGroup(IO_THREADS, new DefaultThreadFactory(name + "-io", true));
    dialBootstrap =
        new Bootstrap()
            .group(workerGroup)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
    ServerBootstrap server =
        new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    acceptedConnections.incrementAndGet();
                    FrameCodec.install(channel.pipeline());
                    channel.pipeline().addLast(PeerChannelHandler.accepted(context, peers));
                  }
                });
    try {
      serverChannel = server.bind(config.listenAddress()).syncUninterruptibly().channel();
    } catch (Exception e) {
      shutdownGroups();
      throw new IllegalStateException("cannot listen on " + config.listenAddress(), e);
    }
    ctx = context;
    LOG.info(
        "member {} listening for peers on {}",
        Long.toHexString(config.memberId()),
        serverChannel.localAddress());
  }

  @Override
  public InetSocketAddress localAddress() {
    requireStarted();
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** Adds a peer or re-addresses it; this member itself is ignored. */
  @Override
  public synchronized void addPeer(long id, InetSocketAddress address) {
    requireStarted();
    Objects.requireNonNull(address, "address");
    if (closed || id == config.memberId()) {
      return;
    }
    Peer existing = peers.get(id);
    if (existing != null) {
      existing.readdress(address);
      return;
    }
    Peer peer =
        new Peer(
            id,
            address,
            workerGroup.next(),
            id > config.memberId() ? dialBootstrap : null,
            new PeerMetrics(registry, config.memberId(), id),
            ctx);
    peers.put(id, peer);
    peer.start();
  }

  @Override
  public synchronized void removePeer(long id) {
    requireStarted();
    Peer peer = peers.remove(id);
    if (peer != null && !closed) {
      peer.metrics.close();
      peer.remove();
    }
  }

  /** Queues a message; one to a member that is not a peer is dropped. */
  @Override
  public void send(Message message) {
    requireStarted();
    if (closed) {
      return;
    }
    Peer peer = peers.get(message.getTo());
    if (peer == null) {
      LOG.debug("dropping {} to unknown member {}", message.getType(), message.getTo());
      return;
    }
    try {
      peer.send(message);
    } catch (RejectedExecutionException e) {
      LOG.debug("dropping {}: transport is closing", message.getType());
    }
  }

  /**
   * Closes every connection and stops the I/O threads, waiting up to 5 s for each group. Must not
   * be called from an {@link Inbound} callback, which runs on those threads.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ctx == null) {
      return;
    }
    serverChannel.close();
    for (Peer peer : peers.values()) {
      peer.metrics.close();
      peer.remove();
    }
    peers.clear();
    shutdownGroups();
    LOG.info("member {} transport closed", Long.toHexString(config.memberId()));
  }

  /** Channels accepted so far, for tests and diagnostics. */
  long acceptedConnections() {
    return acceptedConnections.get();
  }

  private void shutdownGroups() {
    bossGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    workerGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    try {
      if (!bossGroup.awaitTermination(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          || !workerGroup.awaitTermination(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        LOG.warn("transport threads did not stop within {} s", SHUTDOWN_TIMEOUT_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void requireStarted() {
    if (ctx == null) {
      throw new IllegalStateException("start the transport first");
    }
  }
}
