package io.kvstore.server.jetcd;

import static io.kvstore.server.jetcd.JetcdCluster.await;
import static io.kvstore.server.jetcd.JetcdCluster.bytes;
import static io.kvstore.server.jetcd.JetcdCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.LeaseLeasesRequest;
import io.kvstore.api.etcdserverpb.LeaseStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's Lease client against a three-member cluster of real kv-server processes: grant, keys
 * attached with a put, TimeToLive with keys, a single keep-alive, revoke deleting the keys, expiry
 * of a short lease, a keep-alive stream holding a lease across several TTLs, and the lease list.
 */
@Timeout(120)
class JetcdLeaseTest {
  @TempDir static Path tmp;
  private static JetcdCluster cluster;
  private static Client client;

  @BeforeAll
  static void startCluster() {
    cluster = JetcdCluster.start(tmp, 3);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static boolean present(KV kv, String key) throws Exception {
    return await(kv.get(bytes(key))).getCount() == 1;
  }

  @Test
  void grantAttachTimeToLiveKeepAliveOnceAndRevoke() throws Exception {
    Lease lease = client.getLeaseClient();
    KV kv = client.getKVClient();
    LeaseGrantResponse granted = await(lease.grant(60));
    long id = granted.getID();
    assertThat(id).isNotZero();
    assertThat(granted.getTTL()).isEqualTo(60);

    await(kv.put(bytes("lease/a"), bytes("1"), PutOption.builder().withLeaseId(id).build()));
    await(kv.put(bytes("lease/b"), bytes("2"), PutOption.builder().withLeaseId(id).build()));
    assertThat(await(kv.get(bytes("lease/a"))).getKvs().get(0).getLease()).isEqualTo(id);

    LeaseTimeToLiveResponse ttl = await(lease.timeToLive(id, LeaseOption.builder()
        .withAttachedKeys().build()));
    assertThat(ttl.getID()).isEqualTo(id);
    assertThat(ttl.getGrantedTTL()).isEqualTo(60);
    assertThat(ttl.getTTL()).isBetween(1L, 60L);
    assertThat(ttl.getKeys()).extracting(JetcdCluster::text)
        .containsExactlyInAnyOrder("lease/a", "lease/b");
    assertThat(await(lease.timeToLive(id, LeaseOption.DEFAULT)).getKeys()).isEmpty();

    LeaseKeepAliveResponse kept = await(lease.keepAliveOnce(id));
    assertThat(kept.getID()).isEqualTo(id);
    assertThat(kept.getTTL()).isEqualTo(60);

    long revokedAt = await(lease.revoke(id)).getHeader().getRevision();
    assertThat(await(kv.get(bytes("lease/"), GetOption.builder().isPrefix(true).build()))
        .getKvs()).isEmpty();
    // Both keys went in the one revision of the revocation: reading just before it sees both.
    assertThat(await(kv.get(bytes("lease/"), GetOption.builder().isPrefix(true)
        .withRevision(revokedAt - 1).build())).getKvs()).hasSize(2);

    assertThat(await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL()).isEqualTo(-1);
    Throwable keepDead = catchThrowable(() -> await(lease.keepAliveOnce(id)));
    assertThat(keepDead).isInstanceOf(ExecutionException.class)
        .hasStackTraceContaining("etcdserver: requested lease not found");
    Throwable revokeDead = catchThrowable(() -> await(lease.revoke(id)));
    assertThat(revokeDead).isInstanceOf(ExecutionException.class)
        .hasStackTraceContaining("NOT_FOUND")
        .hasStackTraceContaining("etcdserver: requested lease not found");
  }

  @Test
  void aShortLeaseExpiresAndTakesItsKeys() throws Exception {
    Lease lease = client.getLeaseClient();
    KV kv = client.getKVClient();
    long id = await(lease.grant(2)).getID();
    await(kv.put(bytes("short/k"), bytes("v"), PutOption.builder().withLeaseId(id).build()));
    assertThat(present(kv, "short/k")).isTrue();
    long granted = System.nanoTime();

    eventually(Duration.ofSeconds(15), () -> present(kv, "short/k"), p -> !p);
    assertThat(Duration.ofNanos(System.nanoTime() - granted)).isGreaterThan(Duration.ofMillis(
        1500));
    assertThat(await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL()).isEqualTo(-1);
  }

  @Test
  void aKeepAliveStreamHoldsALeaseForSeveralTtlsAndItsEndLetsItExpire() throws Exception {
    Lease lease = client.getLeaseClient();
    KV kv = client.getKVClient();
    long id = await(lease.grant(3)).getID();
    await(kv.put(bytes("kept/k"), bytes("v"), PutOption.builder().withLeaseId(id).build()));
    List<LeaseKeepAliveResponse> responses = new CopyOnWriteArrayList<>();
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    long start = System.nanoTime();
    long until = start + Duration.ofSeconds(10).toNanos();
    try (CloseableClient keepAlive = lease.keepAlive(id, new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse r) {
        responses.add(r);
      }

      @Override
      public void onError(Throwable t) {
        failed.complete(t);
      }

      @Override
      public void onCompleted() {}
    })) {
      // Over three TTLs pass by the clock (a TTL of 3 s leaves room for a loaded 2-core
      // machine); on every look the key is still there.
      while (System.nanoTime() - until < 0) {
        assertThat(present(kv, "kept/k")).as("key of a kept-alive lease, %d ms after the put;"
            + " keep-alive responses so far: %s", TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
            - start), responses.stream().map(r -> r.getTTL() + "@rev" + r.getHeader()
            .getRevision() + "/m" + Long.toHexString(r.getHeader().getMemberId())).toList())
            .isTrue();
        assertThat(failed).isNotDone();
        TimeUnit.MILLISECONDS.sleep(200);
      }
      assertThat(responses).hasSizeGreaterThanOrEqualTo(3)
          .allSatisfy(r -> {
            assertThat(r.getID()).isEqualTo(id);
            assertThat(r.getTTL()).isEqualTo(3);
          });
      assertThat(await(leaderClient().getLeaseClient().timeToLive(id, LeaseOption.DEFAULT))
          .getTTL()).as("remaining TTL on the leader").isPositive();
    }
    eventually(Duration.ofSeconds(15), () -> present(kv, "kept/k"), p -> !p);
  }

  /**
   * etcd answers LeaseTimeToLive from the leader (a follower forwards it), so a lease kept alive
   * shows a remaining TTL of at least 1 s (for TTL 2) on every member. A jetcd client with all
   * endpoints asks whichever member its round-robin picks. Here the keep-alives go to the leader,
   * as they do whenever jetcd's keep-alive stream lands there.
   */
  @Test
  void timeToLiveOfALeaseKeptAliveOnTheLeaderIsPositiveOnEveryMember() throws Exception {
    Lease lease = leaderClient().getLeaseClient();
    long id = await(lease.grant(2)).getID();
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    List<Lease> perMember = IntStream.range(0, 3).mapToObj(i -> cluster.client(Client.builder()
        .endpoints(cluster.endpoint(i))).getLeaseClient()).toList();
    try (CloseableClient keepAlive = lease.keepAlive(id, new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse r) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    })) {
      List<String> seen = new ArrayList<>();
      while (System.nanoTime() - until < 0) {
        for (int i = 0; i < 3; i++) {
          seen.add("m" + (i + 1) + "=" + await(perMember.get(i).timeToLive(id,
              LeaseOption.DEFAULT)).getTTL());
        }
        TimeUnit.MILLISECONDS.sleep(250);
      }
      assertThat(seen).as("TTLs over 5 s of keep-alives").noneMatch(s -> s.endsWith("=0"));
    } finally {
      await(lease.revoke(id));
    }
  }

  private static Client leaderClient() throws Exception {
    for (int i = 0; i < 3; i++) {
      var status = await(client.getMaintenanceClient().statusMember(cluster.endpoint(i)));
      if (status.getLeader() == status.getHeader().getMemberId()) {
        return cluster.client(Client.builder().endpoints(cluster.endpoint(i)));
      }
    }
    throw new AssertionError("no member reports itself leader");
  }

  /**
   * jetcd 0.8.4 has no call for LeaseLeases (its protos predate it), so the list is read with
   * our generated stub of the same wire method, on one member's client port.
   */
  @Test
  void leasesListsEveryLiveLease() throws Exception {
    Lease lease = client.getLeaseClient();
    long a = await(lease.grant(60)).getID();
    long b = await(lease.grant(60)).getID();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1",
        cluster.flags.get(1).clientPort()).usePlaintext().build();
    try {
      eventually(Duration.ofSeconds(10), () -> LeaseGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
          .map(LeaseStatus::getID).toList(), l -> l.containsAll(List.of(a, b)));
      await(lease.revoke(a));
      // Served from the member's own lessor, which applies the revocation a moment later.
      List<Long> after = eventually(Duration.ofSeconds(10), () -> LeaseGrpc
          .newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
          .map(LeaseStatus::getID).toList(), l -> !l.contains(a));
      assertThat(after).contains(b);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      await(lease.revoke(b));
    }
  }
}
