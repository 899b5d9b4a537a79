package io.kvstore.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The join probe: a running member tells a joiner the cluster id and its peers' addresses only if
 * the joiner's advertised address belongs to one of its peers (the joiner was added), and an
 * ordinary handshake between members is unaffected.
 */
class ClusterProbeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final TransportFixture fixture = new TransportFixture();

  @AfterEach
  void close() {
    fixture.close();
  }

  @Test
  void anAddedJoinerLearnsTheClusterIdAndEveryPeer() throws IOException {
    NettyTransport member = fixture.start(1, new RecordingInbound());
    member.addPeer(2, new InetSocketAddress("127.0.0.1", 1));
    member.addPeer(9, new InetSocketAddress("127.0.0.1", 12345));

    ClusterProbe.Answer answer =
        ClusterProbe.ask(member.localAddress(), "127.0.0.1:12345", TIMEOUT);

    assertThat(answer.clusterId()).isEqualTo(TransportFixture.CLUSTER);
    assertThat(answer.memberId()).isEqualTo(1);
    assertThat(answer.members()).containsEntry(1L, member.localAddress())
        .containsEntry(2L, new InetSocketAddress("127.0.0.1", 1))
        .containsEntry(9L, new InetSocketAddress("127.0.0.1", 12345));
  }

  @Test
  void aJoinerThatWasNotAddedIsRefused() {
    NettyTransport member = fixture.start(1, new RecordingInbound());
    member.addPeer(2, new InetSocketAddress("127.0.0.1", 1));

    assertThatThrownBy(() -> ClusterProbe.ask(member.localAddress(), "127.0.0.1:12345", TIMEOUT))
        .isInstanceOf(IOException.class).hasMessageContaining("refused the join probe");
  }
}
