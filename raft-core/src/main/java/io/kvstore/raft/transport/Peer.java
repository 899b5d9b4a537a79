package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe: {@link #send} and the transitions may be called from any thread; connection state
 * changes run on the peer's own event loop. One member this transport talks to: its address, its
 * current connection and, if this member has the lower id, the dialing of that connection with
 * backoff.
 */
final class Peer {

  private static final Logger LOG = LoggerFactory.getLogger(Peer.class);
  private static final long UNREACHABLE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  final long id;
  final PeerMetrics metrics;
  private final TransportContext ctx;

  /** Runs every change of the mutable fields below; dialed channels are registered on it too. */
  private final EventLoop loop;

  /** Dials this peer; null if the peer dials us (it has the lower id). */
  private final Bootstrap dialer;

  /** When onUnreachable was last reported; reports are at least UNREACHABLE_INTERVAL apart. */
  private final AtomicLong lastUnreachableNanos;

  /** The handshaken connection in use, or null; its channel may already be closing. */
  private volatile PeerConnection connection;

  /** Where the peer listens; what a dialing member connects to. Written on {@code loop}. */
  private volatile InetSocketAddress address;

  /** Whether a failed dial was logged at warn since the last handshake; later ones go to debug. */
  private boolean dialFailureLogged;

  /** The dialed channel, from connect until close; null when none is open. */
  private Channel dialing;

  /** The scheduled next dial, or null. */
  private ScheduledFuture<?> redial;

  private final Backoff backoff = new Backoff();

  /** Set by {@link #remove}; nothing is dialed or attached after. */
  private boolean removed;

  /**
   * Creates a peer whose state lives on {@code loop}; if {@code base} is non-null this member dials
   * the peer with a clone of it.
   */
  Peer(
      long id,
      InetSocketAddress address,
      EventLoop loop,
      Bootstrap base,
      PeerMetrics metrics,
      TransportContext ctx) {
    this.id = id;
    this.address = address;
    this.loop = loop;
    this.dialer =
        base == null
            ? null
            : base.clone(loop)
                .handler(
                    new ChannelInitializer<>() {
                      @Override
                      protected void initChannel(Channel channel) {
                        FrameCodec.install(channel.pipeline());
                        channel.pipeline().addLast(PeerChannelHandler.dialed(ctx, Peer.this));
                      }
                    });
    this.metrics = metrics;
    this.ctx = ctx;
    this.lastUnreachableNanos = new AtomicLong(System.nanoTime() - UNREACHABLE_INTERVAL_NANOS);
  }

  /** Begins dialing if this member dials the peer. */
  void start() {
    if (dialer != null) {
      onLoop(this::dial);
    }
  }

  /** Queues a message or streams a snapshot; drops and reports if it cannot. */
  void send(Message message) {
    PeerConnection current = connection;
    if (message.getType() == MessageType.MSG_SNAP) {
      if (current == null) {
        metrics.snapshotSendFailures.increment();
        reportUnreachable();
        onLoop(() -> ctx.inbound().onSnapshotStatus(id, true));
      } else {
        current.sendSnapshot(message);
      }
      return;
    }
    if (message.getSerializedSize() > FrameCodec.MAX_MESSAGE_BYTES) {
      LOG.error(
          "dropping {} of {} bytes to member {}: larger than the {} byte limit",
          message.getType(),
          message.getSerializedSize(),
          hex(),
          FrameCodec.MAX_MESSAGE_BYTES);
    } else if (current != null && current.offer(message)) {
      return;
    }
    metrics.sentFailures.increment();
    reportUnreachable();
  }

  /** Where the peer listens, as last set. */
  InetSocketAddress address() {
    return address;
  }

  /** Points the peer at a new address; a dialing member reconnects there at once. */
  void readdress(InetSocketAddress newAddress) {
    onLoop(
        () -> {
          if (removed || newAddress.equals(address)) {
            return;
          }
          LOG.info("member {} moved from {} to {}", hex(), address, newAddress);
          address = newAddress;
          if (dialer != null) {
            cancelRedial();
            closeDialing();
            backoff.reset();
            dial();
          }
        });
  }

  /** Closes the connection and stops dialing for good. */
  void remove() {
    onLoop(
        () -> {
          removed = true;
          cancelRedial();
          closeDialing();
          PeerConnection current = connection;
          if (current != null) {
            current.channel.close();
          }
        });
  }

  /** Makes a handshaken connection the one in use, closing any previous one. */
  void attach(PeerConnection attached) {
    onLoop(
        () -> {
          if (removed || (dialer != null && attached.channel != dialing)) {
            attached.channel.close();
            return;
          }
          PeerConnection previous = connection;
          connection = attached;
          if (previous != null) {
            LOG.info("member {} reconnected; closing its previous connection", hex());
            previous.channel.close();
          }
          backoff.reset();
          dialFailureLogged = false;
          metrics.connected();
          LOG.info("connected to member {} at {}", hex(), attached.channel.remoteAddress());
          attached.channel.closeFuture().addListener(f -> onLoop(() -> detach(attached)));
        });
  }

  private void detach(PeerConnection detached) {
    if (connection != detached) {
      return;
    }
    connection = null;
    metrics.disconnected();
    LOG.info("lost connection to member {}", hex());
  }

  private void dial() {
    redial = null;
    if (removed) {
      return;
    }
    ChannelFuture connect = dialer.connect(address);
    Channel channel = connect.channel();
    dialing = channel;
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            if (dialFailureLogged) {
              LOG.debug("dialing member {} at {} failed: {}", hex(), address, f.cause().toString());
            } else {
              dialFailureLogged = true;
              LOG.warn(
                  "cannot reach member {} at {}: {}; retrying",
                  hex(),
                  address,
                  f.cause().toString());
            }
            channel.close();
          }
        });
    channel.closeFuture().addListener(f -> onLoop(() -> onDialedClosed(channel)));
  }

  private void onDialedClosed(Channel channel) {
    if (channel != dialing) {
      return;
    }
    dialing = null;
    if (!removed) {
      long delay = backoff.nextDelayNanos();
      redial = loop.schedule(this::dial, delay, TimeUnit.NANOSECONDS);
    }
  }

  private void cancelRedial() {
    if (redial != null) {
      redial.cancel(false);
      redial = null;
    }
  }

  private void closeDialing() {
    if (dialing != null) {
      Channel channel = dialing;
      dialing = null;
      channel.close();
    }
  }

  /** Calls onUnreachable on the peer's loop, at most once per UNREACHABLE_INTERVAL. */
  private void reportUnreachable() {
    long now = System.nanoTime();
    long last = lastUnreachableNanos.get();
    if (now - last >= UNREACHABLE_INTERVAL_NANOS && lastUnreachableNanos.compareAndSet(last, now)) {
      onLoop(() -> ctx.inbound().onUnreachable(id));
    }
  }

  /** Runs {@code task} on the peer's loop, unless the transport is shutting down. */
  private void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException closing) {
      LOG.debug("transport closing; dropping a task for member {}", hex());
    }
  }

  private String hex() {
    return Long.toHexString(id);
  }
}
