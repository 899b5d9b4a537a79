package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcd KV service of a three-member cluster of real kv-server processes, through gRPC stubs
 * generated from the etcd protos: every member serves writes (followers forward them to the
 * leader) and linearizable reads, and errors carry etcd's codes and texts.
 */
@Timeout(90)
class KvServiceProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir Path tmp;
  private ServerLauncher launcher;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<KVGrpc.KVBlockingStub> kv = new ArrayList<>();

  @BeforeEach
  void startCluster() {
    launcher = new ServerLauncher(tmp);
    List<MemberFlags> cluster =
        IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, tmp)).toList();
    List<ServerProcess> members = new ArrayList<>();
    cluster.forEach(m -> members.add(launcher.start(m.name(), m.flags(cluster))));
    members.forEach(m -> m.awaitLine(READY, WAIT));
    for (MemberFlags m : cluster) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", m.clientPort())
          .usePlaintext().build();
      channels.add(ch);
      kv.add(KVGrpc.newBlockingStub(ch).withWaitForReady());
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    launcher.close();
  }

  private KVGrpc.KVBlockingStub member(int i) {
    return kv.get(i).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void everyMemberTakesWritesAndReadsThemBackLinearizably() {
    for (int i = 0; i < 30; i++) {
      ByteString key = ByteString.copyFromUtf8("key-" + i);
      PutResponse put = member(i % 3).put(PutRequest.newBuilder().setKey(key)
          .setValue(ByteString.copyFromUtf8("v" + i)).build());

      RangeResponse got = member((i + 1) % 3).range(RangeRequest.newBuilder().setKey(key).build());

      assertThat(put.getHeader().getRevision()).isEqualTo(i + 2);
      assertThat(got.getKvsList()).singleElement().satisfies(kv -> {
        assertThat(kv.getValue().toStringUtf8()).isEqualTo("v" + kv.getKey().toStringUtf8()
            .substring("key-".length()));
        assertThat(kv.getModRevision()).isEqualTo(put.getHeader().getRevision());
      });
      assertThat(got.getHeader().getRevision()).isGreaterThanOrEqualTo(put.getHeader()
          .getRevision());
      assertThat(got.getHeader().getClusterId()).isEqualTo(put.getHeader().getClusterId());
    }
  }

  @Test
  void aTxnCommitsAtomicallyAtOneRevision() {
    ByteString key = ByteString.copyFromUtf8("counter");
    member(0).put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("1"))
        .build());
    TxnRequest casFrom1To2 = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.EQUAL).setValue(ByteString.copyFromUtf8("1")))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
            .setValue(ByteString.copyFromUtf8("2"))))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("other")).setValue(ByteString.copyFromUtf8("x"))))
        .build();

    TxnResponse first = member(1).txn(casFrom1To2);
    TxnResponse second = member(2).txn(casFrom1To2);

    assertThat(first.getSucceeded()).isTrue();
    assertThat(second.getSucceeded()).isFalse();
    RangeResponse all = member(0).range(RangeRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("\0")).setRangeEnd(ByteString.copyFromUtf8("\0")).build());
    assertThat(all.getKvsList()).allSatisfy(kv -> assertThat(kv.getModRevision())
        .isIn(2L, first.getHeader().getRevision()));
    assertThat(all.getKvsList().stream().filter(kv -> kv.getModRevision()
        == first.getHeader().getRevision())).hasSize(2);
  }

  @Test
  void errorsCarryEtcdsCodesAndTexts() {
    member(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))
        .setValue(ByteString.copyFromUtf8("1")).build());
    member(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))
        .setValue(ByteString.copyFromUtf8("2")).build());
    member(1).compact(CompactionRequest.newBuilder().setRevision(3).build());

    assertStatus(() -> member(2).range(RangeRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("a")).setRevision(2).build()),
        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
    assertStatus(() -> member(2).range(RangeRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("a")).setRevision(100).build()),
        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
    assertStatus(() -> member(1).put(PutRequest.newBuilder().build()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
    assertStatus(() -> member(1).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("b"))
            .setValue(ByteString.copyFrom(new byte[1600 * 1024])).build()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
    assertStatus(() -> member(0).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("c"))
            .setLease(42).build()),
        Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  private static void assertStatus(Runnable call, Status.Code code, String text) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    assertThat(e).as("expected %s", text).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).isEqualTo(text);
  }
}
