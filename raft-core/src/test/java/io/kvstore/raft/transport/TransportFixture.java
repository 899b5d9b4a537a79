package io.kvstore.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Not thread-safe: for the test thread only. Starts transports on loopback for a test and closes
 * them all afterwards.
 */
final class TransportFixture implements AutoCloseable {

  static final long CLUSTER = 0xc1;
  private static final ByteString PROBE = ByteString.copyFromUtf8("probe");
  static final SnapshotSource NO_SNAPSHOTS = (term, index) -> Optional.empty();
  static final SnapshotSink REFUSING_SINK =
      meta -> {
        throw new IOException("this test receives no snapshots");
      };

  private final List<NettyTransport> started = new ArrayList<>();

  NettyTransport start(long id, RecordingInbound inbound) {
    return start(config(id, 0), NO_SNAPSHOTS, REFUSING_SINK, new SimpleMeterRegistry(), inbound);
  }

  NettyTransport start(
      NettyTransportConfig config,
      SnapshotSource source,
      SnapshotSink sink,
      SimpleMeterRegistry registry,
      Transport.Inbound inbound) {
    NettyTransport transport = new NettyTransport(config, source, sink, registry);
    started.add(transport);
    transport.start(inbound);
    return transport;
  }

  static NettyTransportConfig config(long id, int port) {
    return NettyTransportConfig.of(id, CLUSTER, new InetSocketAddress("127.0.0.1", port));
  }

  static Message message(MessageType type, long from, long to, long index) {
    return Message.newBuilder().setType(type).setFrom(from).setTo(to).setIndex(index).build();
  }

  static boolean isProbe(Message message) {
    return message.getContext().equals(PROBE);
  }

  /** Sends probes from {@code from} until one reaches {@code to}, for at most 10 s. */
  static void connect(NettyTransport from, long fromId, long toId, RecordingInbound to)
      throws InterruptedException {
    Message probe =
        message(MessageType.MSG_HEARTBEAT, fromId, toId, 0).toBuilder().setContext(PROBE).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      from.send(probe);
      if (to.probes.poll(20, TimeUnit.MILLISECONDS) != null) {
        return;
      }
    } while (System.nanoTime() < deadline);
    fail("member %d did not reach member %d within 10 s", fromId, toId);
  }

  /** Waits up to 10 s for {@code condition}, checking every 10 ms. */
  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  /** A port below the kernel's ephemeral range that was free a moment ago. */
  static int freeFixedPort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      if (isFree(port)) {
        return port;
      }
    }
    throw new IOException("no free port in [20000, 32000)");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  @Override
  public void close() {
    started.forEach(NettyTransport::close);
  }
}
