package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases on a three-member cluster of real kv-server processes, through the etcd Lease and KV
 * stubs: an unrenewed lease expires and takes its keys in one revision; keep-alives through a
 * follower keep it alive across several TTLs; after {@code kill -9} of the leader the new leader
 * expires it.
 */
@Timeout(120)
class LeaseProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

  @TempDir Path tmp;
  private ServerLauncher launcher;
  private final List<ServerProcess> members = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startCluster() {
    launcher = new ServerLauncher(tmp);
    List<MemberFlags> cluster =
        IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, tmp)).toList();
    cluster.forEach(m -> members.add(launcher.start(m.name(), m.flags(cluster))));
    members.forEach(m -> m.awaitLine(READY, WAIT));
    for (MemberFlags m : cluster) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", m.clientPort()).usePlaintext()
          .build());
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    launcher.close();
  }

  @Test
  void anUnrenewedLeaseExpiresAndItsKeysAreDeletedInOneRevision() {
    long id = lease(1).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(2).build()).getID();
    for (int i = 0; i < 3; i++) {
      kv(i).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("leased-" + i))
          .setValue(ByteString.copyFromUtf8("v")).setLease(id).build());
    }
    kv(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("plain"))
        .setValue(ByteString.copyFromUtf8("v")).build());
    long before = kv(0).range(all()).getHeader().getRevision();

    awaitTrue(() -> kv(2).range(all()).getCount() == 1, Duration.ofSeconds(30));

    RangeResponse after = kv(1).range(all());
    assertThat(after.getKvsList()).singleElement()
        .satisfies(kv -> assertThat(kv.getKey().toStringUtf8()).isEqualTo("plain"));
    assertThat(after.getHeader().getRevision()).isEqualTo(before + 1);
    assertThat(lease(0).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build())
        .getTTL()).isEqualTo(-1);
  }

  @Test
  void keepAlivesThroughAFollowerKeepTheLeaseAliveAcrossSeveralTtls() throws Exception {
    int follower = (leaderIndex() + 1) % 3;
    long id = lease(follower).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(2).build())
        .getID();
    kv(follower).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("session"))
        .setValue(ByteString.copyFromUtf8("v")).setLease(id).build());
    BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(channels.get(follower))
        .leaseKeepAlive(new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            answers.add(r);
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        });

    for (int i = 0; i < 12; i++) {
      stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      LeaseKeepAliveResponse answer = answers.poll(10, TimeUnit.SECONDS);
      assertThat(answer).isNotNull();
      assertThat(answer.getID()).isEqualTo(id);
      assertThat(answer.getTTL()).isEqualTo(2);
      TimeUnit.MILLISECONDS.sleep(500);
    }
    assertThat(kv(leaderIndex()).range(all()).getCount()).isEqualTo(1);
    LeaseTimeToLiveResponse ttl = lease(follower).leaseTimeToLive(
        LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build());
    assertThat(ttl.getGrantedTTL()).isEqualTo(2);
    assertThat(ttl.getKeysList()).containsExactly(ByteString.copyFromUtf8("session"));
    stream.onCompleted();

    awaitTrue(() -> kv(follower).range(all()).getCount() == 0, Duration.ofSeconds(30));
    stream = LeaseGrpc.newStub(channels.get(follower)).leaseKeepAlive(new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse r) {
        answers.add(r);
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    });
    stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    assertThat(answers.poll(10, TimeUnit.SECONDS).getTTL()).isZero();
    stream.onCompleted();
  }

  @Test
  void afterTheLeaderIsKilledTheNewLeaderExpiresTheLease() {
    Leadership first = Leadership.awaitAgreement(members, 0, WAIT);
    int leader = indexOf(first.leaderId());
    int survivor = (leader + 1) % 3;
    LeaseGrantResponse granted = lease(leader).leaseGrant(
        LeaseGrantRequest.newBuilder().setTTL(5).build());
    kv(leader).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("owned"))
        .setValue(ByteString.copyFromUtf8("v")).setLease(granted.getID()).build());
    awaitTrue(() -> kv(survivor).range(all().toBuilder().setSerializable(true).build())
        .getCount() == 1, Duration.ofSeconds(10));

    members.get(leader).kill();
    List<ServerProcess> survivors = new ArrayList<>(members);
    survivors.remove(leader);
    Leadership.awaitAgreement(survivors, first.term(), WAIT);

    awaitTrue(() -> kv(survivor).range(all()).getCount() == 0, Duration.ofSeconds(30));
    assertThat(lease(survivor).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder()
        .setID(granted.getID()).build()).getTTL()).isEqualTo(-1);
  }

  private KVGrpc.KVBlockingStub kv(int i) {
    return KVGrpc.newBlockingStub(channels.get(i)).withWaitForReady()
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private LeaseGrpc.LeaseBlockingStub lease(int i) {
    return LeaseGrpc.newBlockingStub(channels.get(i)).withWaitForReady()
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static RangeRequest all() {
    return RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).build();
  }

  private int leaderIndex() {
    return indexOf(Leadership.awaitAgreement(members, 0, WAIT).leaderId());
  }

  private int indexOf(String memberId) {
    for (int i = 0; i < members.size(); i++) {
      if (Leadership.memberId(members.get(i), WAIT).equals(memberId)) {
        return i;
      }
    }
    throw new AssertionError("no member has id " + memberId);
  }

  /** Polls every 100 ms until {@code condition} holds; fails after {@code bound}. */
  private static void awaitTrue(BooleanSupplier condition, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("condition not met within " + bound);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
