package io.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The retry decisions of {@link KvClient} against fake members in this JVM: reads are retried on
 * another member, writes only when they provably were not applied; a write that may have reached
 * a member is reported as of unknown outcome and sent exactly once; etcd's errors surface with
 * their code and text.
 */
@Timeout(60)
class KvClientRetryTest {
  private static final String PUT = "etcdserverpb.KV/Put";
  private static final String RANGE = "etcdserverpb.KV/Range";
  private static final PutRequest A_PUT = PutRequest.newBuilder()
      .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).build();
  private static final RangeRequest A_RANGE =
      RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build();

  private final List<FakeMember> members = new ArrayList<>();
  private final List<KvClient> clients = new ArrayList<>();

  @AfterEach
  void close() {
    clients.forEach(KvClient::close);
    members.forEach(FakeMember::close);
  }

  private FakeMember member(BindableService... services) {
    FakeMember m = new FakeMember(services);
    members.add(m);
    return m;
  }

  private KvClient client(Duration callTimeout, boolean requireLeader) {
    KvClient c = KvClient.builder()
        .endpoints(members.stream().map(FakeMember::endpoint).toList())
        .callTimeout(callTimeout).requireLeader(requireLeader).build();
    clients.add(c);
    return c;
  }

  private KvClient client() {
    return client(Duration.ofSeconds(10), false);
  }

  private int received(String method) {
    return members.stream().mapToInt(m -> m.calls(method).size()).sum();
  }

  private static Throwable failure(CompletableFuture<?> f) {
    Throwable t = catchThrowable(() -> f.get(30, TimeUnit.SECONDS));
    assertThat(t).isNotNull();
    return t.getCause();
  }

  @Test
  void aPutThatFailsUnavailableAfterReachingAMemberIsReportedUnknownAndNotResent() {
    member(FakeKv.failing(Status.UNAVAILABLE.withDescription("connection reset")));
    member(FakeKv.failing(Status.UNAVAILABLE.withDescription("connection reset")));

    Throwable t = failure(client().kv().put(A_PUT));

    assertThat(t).isInstanceOf(OutcomeUnknownException.class);
    assertThat(((KvClientException) t).code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(t.getCause()).isNotNull();
    assertThat(received(PUT)).isEqualTo(1);
  }

  @Test
  void aPutWithoutAnswerIsUnknownAtItsDeadlineAndSentOnce() {
    member(new FakeKv((q, r) -> { }, (q, r) -> { }));
    member(new FakeKv((q, r) -> { }, (q, r) -> { }));

    Throwable t = failure(client(Duration.ofMillis(500), false).kv().put(A_PUT));

    assertThat(t).isInstanceOf(OutcomeUnknownException.class);
    assertThat(((KvClientException) t).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(received(PUT)).isEqualTo(1);
  }

  @Test
  void aPutWhoseMemberDropsEveryConnectionIsUnknownAndSentOnce() {
    List<FakeMember> self = new ArrayList<>();
    FakeKv dying = new FakeKv((q, r) -> { }, (q, r) -> self.forEach(FakeMember::kill));
    self.add(member(dying));

    Throwable t = failure(client().kv().put(A_PUT));

    assertThat(t).isInstanceOf(OutcomeUnknownException.class);
    assertThat(((KvClientException) t).code()).as("stream reset by the dying server")
        .isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
    assertThat(received(PUT)).isEqualTo(1);
  }

  @Test
  void aPutAnsweredRequestTimedOutIsUnknownWithEtcdsText() {
    member(FakeKv.failing(Status.UNAVAILABLE.withDescription("etcdserver: request timed out")));

    Throwable t = failure(client().kv().put(A_PUT));

    assertThat(t).isInstanceOf(OutcomeUnknownException.class);
    assertThat(((KvClientException) t).description()).isEqualTo("etcdserver: request timed out");
    assertThat(received(PUT)).isEqualTo(1);
  }

  @Test
  void aRangeThatFailsUnavailableIsRetriedOnAnotherMember() {
    FakeMember down = member(FakeKv.failing(Status.UNAVAILABLE.withDescription("going away")));
    member(FakeKv.answering(2));
    KvClient client = client();

    for (int i = 0; i < 10; i++) {
      RangeResponse r = client.kv().range(A_RANGE).join();
      assertThat(r.getHeader().getMemberId()).isEqualTo(2);
    }
    assertThat(down.calls(RANGE)).as("round_robin sends some first attempts there").isNotEmpty();
  }

  @Test
  void aPutRefusedForWantOfALeaderIsResentToAnotherMember() {
    FakeMember leaderless = member(FakeKv.failing(
        Status.UNAVAILABLE.withDescription("etcdserver: no leader")));
    FakeMember healthy = member(FakeKv.answering(2));
    KvClient client = client();

    for (int i = 0; i < 6; i++) {
      assertThat(client.kv().put(A_PUT).join().getHeader().getMemberId()).isEqualTo(2);
    }
    assertThat(healthy.calls(PUT)).hasSize(6);
    assertThat(leaderless.calls(PUT)).isNotEmpty();
  }

  @Test
  void aPutThatCannotReachAnyMemberIsNotSentAndFailsDefinitely() throws IOException {
    String nobody;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobody = "127.0.0.1:" + s.getLocalPort();
    }
    KvClient client = KvClient.builder().endpoints(nobody)
        .callTimeout(Duration.ofMillis(700)).build();
    clients.add(client);

    Throwable t = failure(client.kv().put(A_PUT));

    assertThat(t).isInstanceOf(KvClientException.class)
        .isNotInstanceOf(OutcomeUnknownException.class);
    assertThat(((KvClientException) t).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void definiteEtcdErrorsCarryCodeAndExactTextAndAreNotRetried() {
    String compacted = "etcdserver: mvcc: required revision has been compacted";
    String noKey = "etcdserver: key is not provided";
    member(new FakeKv(
        (q, r) -> r.onError(Status.OUT_OF_RANGE.withDescription(compacted).asRuntimeException()),
        (q, r) -> r.onError(Status.INVALID_ARGUMENT.withDescription(noKey).asRuntimeException())),
        new LeaseGrpc.LeaseImplBase() {
          @Override
          public void leaseRevoke(LeaseRevokeRequest q, StreamObserver<LeaseRevokeResponse> r) {
            r.onError(Status.NOT_FOUND.withDescription(Lease.NOT_FOUND).asRuntimeException());
          }
        });
    KvClient client = client();

    Throwable range = failure(client.kv().range(A_RANGE));
    Throwable put = failure(client.kv().put(A_PUT));
    Throwable revoke = failure(client.lease().revoke(
        LeaseRevokeRequest.newBuilder().setID(7).build()));

    assertThat(range).isInstanceOfSatisfying(EtcdException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(e.description()).isEqualTo(compacted);
    });
    assertThat(put).isInstanceOfSatisfying(EtcdException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.description()).isEqualTo(noKey);
    });
    assertThat(revoke).isInstanceOfSatisfying(EtcdException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.description()).isEqualTo("etcdserver: requested lease not found");
    });
    assertThat(received(RANGE)).isEqualTo(1);
    assertThat(received(PUT)).isEqualTo(1);
    assertThat(received("etcdserverpb.Lease/LeaseRevoke"))
        .isEqualTo(1);
  }

  @Test
  void aMemberReportingNotServingGetsNoCalls() {
    FakeMember sick = member(FakeKv.answering(1));
    sick.setServing(false);
    member(FakeKv.answering(2));
    KvClient client = client();

    for (int i = 0; i < 10; i++) {
      assertThat(client.kv().range(A_RANGE).join().getHeader().getMemberId()).isEqualTo(2);
    }
    assertThat(sick.calls(RANGE)).isEmpty();
  }

  @Test
  void hasLeaderIsSentOnUnaryCallsOnlyWhenAskedFor() {
    FakeMember m = member(FakeKv.answering(1));

    client().kv().range(A_RANGE).join();
    client(Duration.ofSeconds(10), true).kv().range(A_RANGE).join();

    assertThat(m.calls(RANGE)).extracting(FakeMember.Received::hasLeaderHeader)
        .containsExactly(false, true);
  }

  @Test
  void keepAliveOnceOfAnUnknownLeaseFailsLeaseNotFound() {
    member(new LeaseGrpc.LeaseImplBase() {
      @Override
      public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
          StreamObserver<LeaseKeepAliveResponse> responses) {
        return new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveRequest q) {
            responses.onNext(LeaseKeepAliveResponse.newBuilder().setID(q.getID()).setTTL(0)
                .build());
          }

          @Override
          public void onError(Throwable t) { }

          @Override
          public void onCompleted() {
            responses.onCompleted();
          }
        };
      }
    });

    Throwable t = failure(client().lease().keepAliveOnce(42));

    assertThat(t).isInstanceOfSatisfying(EtcdException.class,
        e -> assertThat(e.description()).isEqualTo("etcdserver: requested lease not found"));
  }

  @Test
  void callsAfterCloseFail() {
    member(FakeKv.answering(1));
    KvClient client = client();
    client.close();

    assertThat(Stream.of(client.kv().range(A_RANGE), client.kv().put(A_PUT))
        .map(KvClientRetryTest::failure))
        .allSatisfy(t -> assertThat(t).isInstanceOf(KvClientException.class)
            .isNotInstanceOf(OutcomeUnknownException.class))
        .isNotEmpty();
    assertThat(catchThrowable(() -> client.kv().range(A_RANGE).join()))
        .isInstanceOf(CompletionException.class);
  }
}
