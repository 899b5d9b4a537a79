package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code etcdctl watch} (3.4, v3 API) against a kv-server process: for the same writes
 * it prints exactly what it prints against etcd 3.4.23 — live, with {@code --prev-kv}, replayed
 * from history, and refused on a compacted revision. The expected texts were recorded from etcd
 * for this very sequence.
 */
@Timeout(120)
class WatchProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** etcd's output for the writes of {@link #writeSequence}, watching prefix foo. */
  private static final String EVENTS = String.join("\n",
      "PUT", "foo1", "a", "PUT", "foo2", "b c", "PUT", "foo1", "a2", "DELETE", "foo1", "",
      "PUT", "foo3", "t1", "PUT", "foo4", "t2", "");
  /** The same with {@code --prev-kv}: an update or delete prints the previous pair first. */
  private static final String EVENTS_WITH_PREV = String.join("\n",
      "PUT", "foo1", "a", "PUT", "foo2", "b c", "PUT", "foo1", "a", "foo1", "a2",
      "DELETE", "foo1", "a2", "foo1", "", "PUT", "foo3", "t1", "PUT", "foo4", "t2", "");

  @TempDir Path tmp;
  private ServerLauncher launcher;
  private MemberFlags member;
  private ServerProcess server;
  private ManagedChannel channel;
  private KVGrpc.KVBlockingStub kv;
  private final List<Process> watchers = new ArrayList<>();

  @BeforeEach
  void start() {
    launcher = new ServerLauncher(tmp);
    member = MemberFlags.of("m1", tmp);
    server = launcher.start(member.name(), member.soloFlags());
    server.awaitLine(READY, WAIT);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", member.clientPort()).usePlaintext()
        .build();
    kv = KVGrpc.newBlockingStub(channel).withWaitForReady();
  }

  @AfterEach
  void stop() throws InterruptedException {
    watchers.forEach(Process::destroyForcibly);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    launcher.close();
  }

  private KVGrpc.KVBlockingStub kv() {
    return kv.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** etcdctl's sequence of the recorded run: revisions 2 to 7. */
  private void writeSequence() {
    kv().put(PutRequest.newBuilder().setKey(b("foo1")).setValue(b("a")).build());
    kv().put(PutRequest.newBuilder().setKey(b("foo2")).setValue(b("b c")).build());
    kv().put(PutRequest.newBuilder().setKey(b("bar")).setValue(b("x")).build());
    kv().put(PutRequest.newBuilder().setKey(b("foo1")).setValue(b("a2")).build());
    kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(b("foo1")).build());
    kv().txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(b("foo3")).setValue(b("t1"))))
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(b("foo4")).setValue(b("t2"))))
        .build());
  }

  /** Starts {@code etcdctl watch <args>} with its output, both streams, to {@code out}. */
  private Process etcdctlWatch(Path out, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("etcdctl",
        "--endpoints=127.0.0.1:" + member.clientPort(), "watch"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    watchers.add(p);
    return p;
  }

  /** Waits until {@code out} holds {@code expected} (or more); returns what it holds. */
  private static String awaitOutput(Path out, String expected) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String got = "";
    while (System.nanoTime() < deadline) {
      got = Files.readString(out, StandardCharsets.UTF_8);
      if (got.length() >= expected.length()) {
        return got;
      }
      Thread.sleep(20);
    }
    return got;
  }

  @Test
  void etcdctlWatchPrintsWhatItPrintsAgainstEtcdLiveWithPrevKvAndFromHistory()
      throws Exception {
    // Starting at revision 2, the next one, makes the output independent of when etcdctl's
    // watch is registered: before the writes it is live, after some of them it catches up.
    Path live = tmp.resolve("live.out");
    Path prev = tmp.resolve("prev.out");
    etcdctlWatch(live, "foo", "--prefix", "--rev=2");
    etcdctlWatch(prev, "foo", "--prefix", "--prev-kv", "--rev=2");

    writeSequence();

    assertThat(awaitOutput(live, EVENTS)).isEqualTo(EVENTS);
    assertThat(awaitOutput(prev, EVENTS_WITH_PREV)).isEqualTo(EVENTS_WITH_PREV);
    Path history = tmp.resolve("history.out");
    etcdctlWatch(history, "foo", "--prefix", "--rev=1");
    assertThat(awaitOutput(history, EVENTS)).isEqualTo(EVENTS);
  }

  @Test
  void anOpenWatchDoesNotHoldUpShutdown() throws Exception {
    Path out = tmp.resolve("open.out");
    etcdctlWatch(out, "foo");
    kv().put(PutRequest.newBuilder().setKey(b("foo")).setValue(b("v")).build());
    assertThat(awaitOutput(out, "PUT\nfoo\nv\n")).isEqualTo("PUT\nfoo\nv\n");

    long start = System.nanoTime();
    server.terminate();

    assertThat(server.awaitExit(WAIT)).isEqualTo(143);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("shorter than the 5 s the client listener waits for calls to end")
        .isLessThan(Duration.ofMillis(4_500));
  }

  @Test
  void etcdctlWatchOnACompactedRevisionIsCanceledAsByEtcd() throws Exception {
    writeSequence();
    kv().compact(CompactionRequest.newBuilder().setRevision(4).build());
    Path out = tmp.resolve("compacted.out");

    Process p = etcdctlWatch(out, "foo", "--prefix", "--rev=2");

    assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(5);
    assertThat(Files.readString(out)).isEqualTo(
        "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n"
        + "Error: watch is canceled by the server\n");
  }
}
