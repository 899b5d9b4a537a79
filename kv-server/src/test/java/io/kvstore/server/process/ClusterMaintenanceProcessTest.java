package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kvstore.api.etcdserverpb.ClusterGrpc;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cluster and Maintenance services and the metrics endpoint of real kv-server processes,
 * driven by the installed etcdctl 3.4 and by our generated stubs: membership changes (a member
 * added with etcdctl joins with the flags etcdctl prints), status, health, hashes, snapshot,
 * alarms and the backend quota, defragmentation, leader moves, and etcd's {@code hasleader}.
 */
@Timeout(180)
class ClusterMaintenanceProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir Path tmp;
  private ServerLauncher launcher;
  private Etcdctl etcdctl;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    launcher.close();
  }

  private List<MemberFlags> cluster(int n, List<String> extraFlags) {
    launcher = new ServerLauncher(tmp);
    etcdctl = new Etcdctl(tmp);
    List<MemberFlags> cluster =
        IntStream.rangeClosed(1, n).mapToObj(i -> MemberFlags.of("m" + i, tmp)).toList();
    List<ServerProcess> members = new ArrayList<>();
    for (MemberFlags m : cluster) {
      List<String> flags = new ArrayList<>(m.flags(cluster));
      flags.addAll(extraFlags);
      members.add(launcher.start(m.name(), flags));
    }
    members.forEach(m -> m.awaitLine(READY, WAIT));
    return cluster;
  }

  private static List<String> endpoints(List<MemberFlags> members) {
    return members.stream().map(m -> "127.0.0.1:" + m.clientPort()).toList();
  }

  /** Proves member list (with published names and client URLs), endpoint status/health/hashkv,
   * snapshot save, alarm list, defrag, move-leader, the metrics endpoint and hasleader. */
  @Test
  void etcdctlSeesAClusterAndMaintainsIt() throws Exception {
    List<MemberFlags> cluster = cluster(3, List.of());
    List<String> all = endpoints(cluster);

    String list = await(() -> etcdctl.run(all.subList(0, 1), "member", "list").output(),
        out -> out.lines().filter(l -> l.contains(", started, m")).count() == 3);
    for (MemberFlags m : cluster) {
      assertThat(list).contains(", started, " + m.name() + ", " + m.peerUrl() + ", "
          + m.clientUrl() + ", false");
    }

    Etcdctl.Result status = etcdctl.run(all, "endpoint", "status");
    assertThat(status.status()).as(status.output()).isZero();
    assertThat(status.output().lines().filter(l -> l.contains("3.4.23"))).hasSize(3);

    Etcdctl.Result health = etcdctl.run(all, "endpoint", "health");
    assertThat(health.output().lines().filter(l -> l.contains("is healthy"))).hasSize(3);

    for (int i = 0; i < 20; i++) {
      assertThat(etcdctl.run(all, "put", "k" + i, "v" + i).output()).contains("OK");
    }
    String hashes = await(() -> etcdctl.run(all, "endpoint", "hashkv").output(),
        out -> out.lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct().count()
            == 1 && out.lines().count() == 3);
    assertThat(hashes).doesNotContain("Error");

    Path snapshot = tmp.resolve("backup.db");
    Etcdctl.Result saved = etcdctl.run(all.subList(0, 1), "snapshot", "save",
        snapshot.toString());
    assertThat(saved.output()).contains("Snapshot saved at");
    assertThat(Files.size(snapshot)).isGreaterThan(32);

    assertThat(etcdctl.run(all, "alarm", "list").output()).isBlank();
    assertThat(etcdctl.run(all, "defrag").output().lines()
        .filter(l -> l.startsWith("Finished defragmenting etcd member"))).hasSize(3);

    Etcdctl.Result json = etcdctl.run(all, "endpoint", "status", "-w", "json");
    Matcher leader = Pattern.compile("\"leader\":(\\d+)").matcher(json.output());
    assertThat(leader.find()).isTrue();
    long leaderId = Long.parseUnsignedLong(leader.group(1));
    Matcher ids = Pattern.compile("\"member_id\":(\\d+)").matcher(json.output());
    long target = 0;
    while (ids.find()) {
      long id = Long.parseUnsignedLong(ids.group(1));
      if (id != leaderId) {
        target = id;
      }
    }
    Etcdctl.Result moved = etcdctl.run(all, "move-leader", Long.toHexString(target));
    assertThat(moved.output()).contains("Leadership transferred from "
        + Long.toHexString(leaderId) + " to " + Long.toHexString(target));
  }

  /** Proves etcd's /metrics, /health and /version and the hasleader metadata. */
  @Test
  void metricsHealthAndHasLeader() throws Exception {
    int metricsPort = FreePorts.next();
    List<MemberFlags> cluster = cluster(1,
        List.of("--listen-metrics-urls", "http://127.0.0.1:" + metricsPort));
    HttpClient http = HttpClient.newHttpClient();
    String metrics = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("etcd_server_has_leader 1");
    assertThat(http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/health")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("{\"health\":\"true\"}");
    assertThat(http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/version")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).contains("\"etcdserver\":\"3.4.23\"");

    Metadata hasLeader = new Metadata();
    hasLeader.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", cluster.get(0).clientPort())
        .usePlaintext().build();
    channels.add(ch);
    assertThat(ClusterGrpc.newBlockingStub(ch)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(hasLeader))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .memberList(MemberListRequest.newBuilder().setLinearizable(true).build())
        .getMembersCount()).isEqualTo(1);
  }

  /** Proves that a member with no leader refuses a hasleader call with etcd's error. */
  @Test
  void aMemberWithoutLeaderRefusesHasLeaderCalls() {
    List<MemberFlags> cluster = cluster(3, List.of());
    launcher.close();
    launcher = new ServerLauncher(tmp);
    ServerProcess m1 = launcher.start("m1-again", cluster.get(0).flags(cluster));
    m1.awaitLine(Pattern.compile("serving client requests"), WAIT);
    Metadata hasLeader = new Metadata();
    hasLeader.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", cluster.get(0).clientPort())
        .usePlaintext().build();
    channels.add(ch);
    try {
      KVGrpc.newBlockingStub(ch).withWaitForReady()
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(hasLeader))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
              .build());
      fail("a member without a leader served a hasleader call");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: no leader");
    }
  }

  /** Proves member add (learner) + join with etcdctl's printed flags, promote and remove. */
  @Test
  void aMemberAddedWithEtcdctlJoinsIsPromotedAndRemoved() {
    List<MemberFlags> cluster = cluster(3, List.of());
    List<String> all = endpoints(cluster);
    assertThat(etcdctl.run(all, "put", "before-join", "yes").output()).contains("OK");
    await(() -> etcdctl.run(all.subList(0, 1), "member", "list").output(),
        out -> out.lines().filter(l -> l.contains(", started, m")).count() == 3);

    MemberFlags m4 = MemberFlags.of("m4", tmp);
    Etcdctl.Result added = etcdctl.run(all, "member", "add", "m4", "--learner",
        "--peer-urls=" + m4.peerUrl());
    assertThat(added.output()).as(added.output()).contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
    String initialCluster = value(added.output(), "ETCD_INITIAL_CLUSTER");
    // etcdctl prints "Member %16x added": ids shorter than 16 hex digits are space-padded
    String newId = matchOne(added.output(), "Member +([0-9a-f]+) added to cluster");

    ServerProcess joiner = launcher.start("m4", List.of("--name", "m4",
        "--data-dir", m4.dataDir().toString(),
        "--listen-peer-urls", m4.peerUrl(), "--initial-advertise-peer-urls", m4.peerUrl(),
        "--listen-client-urls", m4.clientUrl(), "--advertise-client-urls", m4.clientUrl(),
        "--initial-cluster", initialCluster, "--initial-cluster-state", "existing",
        "--heartbeat-interval", "50", "--election-timeout", "500"));
    joiner.awaitLine(READY, WAIT);
    assertThat(joiner.lines()).anyMatch(l -> l.contains("(" + newId + ")"));
    List<String> m4Endpoint = List.of("127.0.0.1:" + m4.clientPort());
    assertThat(await(() -> etcdctl.run(m4Endpoint, "get", "before-join",
        "--consistency=s").output(), out -> out.contains("yes"))).contains("before-join");

    String promoted = await(() -> etcdctl.run(all, "member", "promote", newId).output(),
        out -> out.contains("promoted"));
    assertThat(promoted).containsPattern("Member +" + newId + " promoted in cluster");
    assertThat(etcdctl.run(all, "member", "list").output())
        .contains(newId + ", started, m4, " + m4.peerUrl() + ", " + m4.clientUrl() + ", false");

    Etcdctl.Result removed = etcdctl.run(all, "member", "remove", newId);
    assertThat(removed.output()).containsPattern("Member +" + newId + " removed from cluster");
    assertThat(joiner.awaitExit(WAIT)).as("exit status of the removed member").isZero();
    assertThat(joiner.lines()).anyMatch(l -> l.contains(
        "the member has been permanently removed from the cluster"));
    assertThat(etcdctl.run(all, "member", "remove", newId).output())
        .contains("etcdserver: member not found");
    assertThat(etcdctl.run(all, "member", "list").output().lines()).hasSize(3);
  }

  /** Proves the backend quota: NOSPACE refuses puts, reads go on; compact+defrag+disarm heal. */
  @Test
  void theBackendQuotaRaisesNospaceUntilCompactDefragAndDisarm() {
    List<MemberFlags> cluster = cluster(1, List.of("--quota-backend-bytes", "200000"));
    List<String> one = endpoints(cluster);
    String big = "x".repeat(30_000);
    String last = "";
    for (int i = 0; i < 40 && !last.contains("database space exceeded"); i++) {
      last = etcdctl.run(one, "put", "big", big).output();
    }
    assertThat(last).contains("etcdserver: mvcc: database space exceeded");
    assertThat(etcdctl.run(one, "alarm", "list").output()).contains("alarm:NOSPACE");
    assertThat(etcdctl.run(one, "get", "big", "--print-value-only").output()).contains(big);
    assertThat(etcdctl.run(one, "put", "other", "v").output())
        .contains("database space exceeded");

    Etcdctl.Result json = etcdctl.run(one, "endpoint", "status", "-w", "json");
    String revision = matchOne(json.output(), "\"revision\":(\\d+)");
    assertThat(etcdctl.run(one, "compact", revision).output()).contains("compacted revision");
    assertThat(etcdctl.run(one, "defrag").output()).contains("Finished defragmenting");
    assertThat(etcdctl.run(one, "alarm", "disarm").output()).contains("alarm:NOSPACE");
    assertThat(etcdctl.run(one, "alarm", "list").output()).isBlank();
    assertThat(etcdctl.run(one, "put", "other", "v").output()).contains("OK");
  }

  private static String value(String output, String name) {
    return matchOne(output, "(?m)^" + name + "=\"([^\"]*)\"");
  }

  private static String matchOne(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    if (!m.find()) {
      fail("no /%s/ in:%n%s", regex, output);
    }
    return m.group(1);
  }

  private static String await(Supplier<String> probe, java.util.function.Predicate<String> ok) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String last = "";
    while (System.nanoTime() - deadline < 0) {
      last = probe.get();
      if (ok.test(last)) {
        return last;
      }
      ServerProcess.pause();
    }
    fail("condition never held; last output:%n%s", last);
    return last;
  }
}
