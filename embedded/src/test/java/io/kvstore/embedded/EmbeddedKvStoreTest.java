package io.kvstore.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.MemberAddRequest;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.lease.Election;
import io.kvstore.lease.Leadership;
import io.kvstore.lease.Session;
import io.kvstore.lease.SessionOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Members inside the test's JVM: alone, restarted on their data, and two forming a cluster. */
@Timeout(120)
class EmbeddedKvStoreTest {
  @TempDir Path tmp;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static String get(EmbeddedKvStore kv, String key, boolean serializable) {
    return kv.client().kv().range(RangeRequest.newBuilder().setKey(b(key))
        .setSerializable(serializable).build()).join().getKvs(0).getValue().toStringUtf8();
  }

  @Test
  void aSingleNodeServesKvAndElectionsAndKeepsItsDataAcrossARestart() throws Exception {
    Path data = tmp.resolve("one");
    try (EmbeddedKvStore kv = EmbeddedKvStore.singleNode("one", data).start()) {
      kv.client().kv().put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v1")).build())
          .join();
      assertThat(get(kv, "k", false)).isEqualTo("v1");
      assertThat(get(kv, "k", true)).isEqualTo("v1");

      Session session = Session.open(kv.coordination(), SessionOptions.ofTtl(Duration.ofSeconds(5)),
          scheduler).get(10, TimeUnit.SECONDS);
      Leadership term = new Election(kv.coordination(), "jobs").campaign(session, "me")
          .get(10, TimeUnit.SECONDS);
      assertThat(term.fencingToken()).isPositive();
      assertThat(new Election(kv.coordination(), "jobs").leader().get(10, TimeUnit.SECONDS)
          .orElseThrow().valueAsString()).isEqualTo("me");
      session.closeAsync().get(10, TimeUnit.SECONDS);
    }
    try (EmbeddedKvStore again = EmbeddedKvStore.singleNode("one", data).start()) {
      assertThat(get(again, "k", false)).isEqualTo("v1");
    }
  }

  @Test
  void aSecondEmbeddedMemberJoinsAndServesLocalReads() throws Exception {
    try (EmbeddedKvStore first = EmbeddedKvStore.singleNode("first", tmp.resolve("first"))
        .start()) {
      first.client().kv().put(PutRequest.newBuilder().setKey(b("before")).setValue(b("yes"))
          .build()).join();
      String firstPeer = first.client().cluster().list(MemberListRequest.getDefaultInstance())
          .join().getMembers(0).getPeerURLs(0);
      int peerPort = freePort();
      int clientPort = freePort();
      String peer = "http://127.0.0.1:" + peerPort;
      first.client().cluster().add(MemberAddRequest.newBuilder().addPeerURLs(peer).build())
          .join();

      try (EmbeddedKvStore second = EmbeddedKvStore.withFlags(clientPort, List.of(
          "--name", "second", "--data-dir", tmp.resolve("second").toString(),
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--listen-client-urls", "http://127.0.0.1:" + clientPort,
          "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
          "--initial-cluster", "first=" + firstPeer + ",second=" + peer,
          "--initial-cluster-state", "existing")).start()) {
        assertThat(get(second, "before", true)).isEqualTo("yes");
        second.client().kv().put(PutRequest.newBuilder().setKey(b("after")).setValue(b("2"))
            .build()).join();
        assertThat(get(first, "after", false)).isEqualTo("2");
        assertThat(second.client().cluster().list(MemberListRequest.getDefaultInstance()).join()
            .getMembersCount()).isEqualTo(2);
      }
    }
  }

  @Test
  void aWrongFlagIsRefusedNamingIt() {
    assertThatThrownBy(() -> EmbeddedKvStore.singleNode("x", tmp.resolve("x"))
        .flag("--snapshot-count", "many").start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--snapshot-count");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
