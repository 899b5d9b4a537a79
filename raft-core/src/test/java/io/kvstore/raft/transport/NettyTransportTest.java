package io.kvstore.raft.transport;

import static io.kvstore.raft.transport.TransportFixture.NO_SNAPSHOTS;
import static io.kvstore.raft.transport.TransportFixture.REFUSING_SINK;
import static io.kvstore.raft.transport.TransportFixture.await;
import static io.kvstore.raft.transport.TransportFixture.config;
import static io.kvstore.raft.transport.TransportFixture.connect;
import static io.kvstore.raft.transport.TransportFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class NettyTransportTest {

  private final TransportFixture fixture = new TransportFixture();

  @AfterEach
  void closeTransports() {
    fixture.close();
  }

  @Test
  void twoMembersExchangeBothWaysOverOneConnection() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    SimpleMeterRegistry registry1 = new SimpleMeterRegistry();
    SimpleMeterRegistry registry2 = new SimpleMeterRegistry();
    NettyTransport t1 = fixture.start(config(1, 0), NO_SNAPSHOTS, REFUSING_SINK, registry1, in1);
    NettyTransport t2 = fixture.start(config(2, 0), NO_SNAPSHOTS, REFUSING_SINK, registry2, in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());

    connect(t1, 1, 2, in2);
    connect(t2, 2, 1, in1);
    t1.send(message(MessageType.MSG_APP, 1, 2, 7));
    t2.send(message(MessageType.MSG_APP_RESP, 2, 1, 7));

    assertThat(in2.next()).isEqualTo(message(MessageType.MSG_APP, 1, 2, 7));
    assertThat(in1.next()).isEqualTo(message(MessageType.MSG_APP_RESP, 2, 1, 7));
    assertThat(t1.acceptedConnections()).isZero();
    assertThat(t2.acceptedConnections()).isEqualTo(1);
    assertThat(registry1.get("etcd_network_peer_sent_bytes_total").tag("To", "2").counter().count())
        .isPositive();
    assertThat(
            registry2
                .get("etcd_network_peer_received_bytes_total")
                .tag("From", "1")
                .counter()
                .count())
        .isPositive();
    assertThat(registry1.get("etcd_network_active_peers").tag("Remote", "2").gauge().value())
        .isEqualTo(1);
  }

  @Test
  void threeMembersUseOneConnectionPerPair() throws Exception {
    List<RecordingInbound> inbounds = new ArrayList<>();
    List<NettyTransport> transports = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      RecordingInbound inbound = new RecordingInbound();
      inbounds.add(inbound);
      transports.add(fixture.start(id, inbound));
    }
    for (int i = 2; i >= 0; i--) {
      for (int j = 0; j < 3; j++) {
        transports.get(i).addPeer(j + 1, transports.get(j).localAddress());
      }
    }

    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        if (i != j) {
          connect(transports.get(i), i + 1, j + 1, inbounds.get(j));
          transports.get(i).send(message(MessageType.MSG_HEARTBEAT, i + 1, j + 1, 0));
          assertThat(inbounds.get(j).next().getFrom()).isEqualTo(i + 1);
        }
      }
    }
    assertThat(transports)
        .extracting(NettyTransport::acceptedConnections)
        .containsExactly(0L, 1L, 2L);
  }

  @Test
  void preservesOrderPerPeer() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    NettyTransport t1 = fixture.start(1, in1);
    NettyTransport t2 = fixture.start(2, in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());
    connect(t1, 1, 2, in2);
    connect(t2, 2, 1, in1);

    int count = NettyTransportConfig.DEFAULT_MAX_QUEUED_MESSAGES / 2;
    for (int i = 0; i < count; i++) {
      t1.send(message(MessageType.MSG_APP, 1, 2, i));
      t2.send(message(MessageType.MSG_APP_RESP, 2, 1, i));
    }

    for (int i = 0; i < count; i++) {
      assertThat(in2.next().getIndex()).isEqualTo(i);
      assertThat(in1.next().getIndex()).isEqualTo(i);
    }
  }

  @Test
  void reconnectsWhenThePeerComesBackAtTheSameAddress() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    NettyTransport t1 = fixture.start(1, in1);
    InetSocketAddress address2 =
        new InetSocketAddress("127.0.0.1", TransportFixture.freeFixedPort());
    NettyTransportConfig config2 = NettyTransportConfig.of(2, TransportFixture.CLUSTER, address2);
    NettyTransport t2 =
        fixture.start(config2, NO_SNAPSHOTS, REFUSING_SINK, new SimpleMeterRegistry(), in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, address2);
    connect(t1, 1, 2, in2);

    t2.close();
    awaitUnreachableWhileSending(t1, in1, 2);

    RecordingInbound in2again = new RecordingInbound();
    NettyTransport t2again =
        fixture.start(config2, NO_SNAPSHOTS, REFUSING_SINK, new SimpleMeterRegistry(), in2again);
    t2again.addPeer(1, t1.localAddress());
    connect(t1, 1, 2, in2again);
    t1.send(message(MessageType.MSG_APP, 1, 2, 42));
    assertThat(in2again.next().getIndex()).isEqualTo(42);
  }

  @Test
  void redialsWhenThePeerIsReaddressed() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    NettyTransport t1 = fixture.start(1, in1);
    NettyTransport t2 = fixture.start(2, in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());
    connect(t1, 1, 2, in2);

    t2.close();
    awaitUnreachableWhileSending(t1, in1, 2);
    RecordingInbound in2again = new RecordingInbound();
    NettyTransport t2again = fixture.start(2, in2again);
    t2again.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2again.localAddress());

    connect(t1, 1, 2, in2again);
    connect(t2again, 2, 1, in1);
    t2again.send(message(MessageType.MSG_APP_RESP, 2, 1, 5));
    assertThat(in1.next().getIndex()).isEqualTo(5);
  }

  @Test
  void acceptsTheDialerAgainAfterItRestarts() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    NettyTransport t1 = fixture.start(1, in1);
    NettyTransport t2 = fixture.start(2, in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());
    connect(t2, 2, 1, in1);

    t1.close();
    awaitUnreachableWhileSending(t2, in2, 1);
    RecordingInbound in1again = new RecordingInbound();
    NettyTransport t1again = fixture.start(1, in1again);
    t1again.addPeer(2, t2.localAddress());
    t2.addPeer(1, t1again.localAddress());

    connect(t2, 2, 1, in1again);
    assertThat(t2.acceptedConnections()).isEqualTo(2);
  }

  @Test
  void fullQueueDropsAndReportsUnreachable() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    CountDownLatch release = new CountDownLatch(1);
    Transport.Inbound blocking =
        new RecordingInbound() {
          @Override
          public void onMessage(Message message) {
            if (message.getType() == MessageType.MSG_APP && message.getIndex() == 0) {
              awaitUninterruptibly(release);
            }
            in2.onMessage(message);
          }
        };
    SimpleMeterRegistry registry1 = new SimpleMeterRegistry();
    NettyTransportConfig small =
        new NettyTransportConfig(
            1,
            TransportFixture.CLUSTER,
            new InetSocketAddress("127.0.0.1", 0),
            64,
            NettyTransportConfig.DEFAULT_MAX_QUEUED_BYTES,
            NettyTransportConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES);
    NettyTransport t1 = fixture.start(small, NO_SNAPSHOTS, REFUSING_SINK, registry1, in1);
    NettyTransport t2 =
        fixture.start(
            config(2, 0), NO_SNAPSHOTS, REFUSING_SINK, new SimpleMeterRegistry(), blocking);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());
    connect(t1, 1, 2, in2);

    Counter failures =
        registry1.get("etcd_network_peer_sent_failures_total").tag("To", "2").counter();
    double failuresBefore = failures.count();
    in1.unreachable.clear();
    ByteString payload = ByteString.copyFrom(new byte[64 << 10]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int sent = 0;
    try {
      while (sent < 5_000 || in1.unreachable.poll() == null) {
        assertThat(System.nanoTime()).as("onUnreachable within 10 s").isLessThan(deadline);
        t1.send(message(MessageType.MSG_APP, 1, 2, sent).toBuilder().setContext(payload).build());
        sent++;
      }
    } finally {
      release.countDown();
    }
    double dropped = failures.count() - failuresBefore;
    assertThat(dropped).isPositive();

    connect(t1, 1, 2, in2);
    List<Message> delivered = new ArrayList<>(in2.messages);
    assertThat(delivered).hasSizeLessThan(sent);
    assertThat(delivered).extracting(Message::getIndex).isSorted().doesNotHaveDuplicates();
    assertThat(delivered.size() + dropped).isEqualTo(sent);
  }

  @Test
  void oversizedMessageIsDroppedAndReported() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    NettyTransport t1 = fixture.start(1, in1);
    NettyTransport t2 = fixture.start(2, in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());
    connect(t1, 1, 2, in2);

    ByteString huge = ByteString.copyFrom(new byte[FrameCodec.MAX_FRAME_BYTES]);
    t1.send(message(MessageType.MSG_APP, 1, 2, 1).toBuilder().setContext(huge).build());
    in1.awaitUnreachable(2);
    t1.send(message(MessageType.MSG_APP, 1, 2, 2));
    assertThat(in2.next().getIndex()).isEqualTo(2);
  }

  @Test
  void refusesAMemberOfAnotherCluster() throws Exception {
    RecordingInbound in1 = new RecordingInbound();
    RecordingInbound in2 = new RecordingInbound();
    NettyTransport t1 = fixture.start(1, in1);
    NettyTransportConfig otherCluster =
        NettyTransportConfig.of(
            2, TransportFixture.CLUSTER + 1, new InetSocketAddress("127.0.0.1", 0));
    SimpleMeterRegistry registry2 = new SimpleMeterRegistry();
    NettyTransport t2 = fixture.start(otherCluster, NO_SNAPSHOTS, REFUSING_SINK, registry2, in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());

    await(() -> t2.acceptedConnections() >= 2, "member 1 refused and redialing");
    t1.send(message(MessageType.MSG_APP, 1, 2, 1));
    t2.send(message(MessageType.MSG_APP_RESP, 2, 1, 1));
    in1.awaitUnreachable(2);
    in2.awaitUnreachable(1);
    assertThat(registry2.get("etcd_network_active_peers").tag("Remote", "1").gauge().value())
        .isZero();
    assertThat(in1.messages).isEmpty();
    assertThat(in2.messages).isEmpty();
  }

  /** Sends heartbeats to {@code peerId} until the transport reports it unreachable. */
  private static void awaitUnreachableWhileSending(
      NettyTransport from, RecordingInbound inbound, long peerId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      from.send(message(MessageType.MSG_HEARTBEAT, 0, peerId, 0));
      Long reported = inbound.unreachable.poll(20, TimeUnit.MILLISECONDS);
      if (reported != null && reported == peerId) {
        return;
      }
    }
    throw new AssertionError("member " + peerId + " not reported unreachable within 10 s");
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
