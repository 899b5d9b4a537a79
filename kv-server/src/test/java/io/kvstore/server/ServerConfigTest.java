package io.kvstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.server.ServerConfig.ClusterState;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation rules, their one-line messages, and the derived values. */
class ServerConfigTest {

  @Test
  void threeMemberClusterIdsAreStable() {
    ServerConfig config = member("m2", 100, 1000);

    config.validate();

    // Computed by hand with an independent implementation of etcd's algorithm (Python hashlib).
    assertThat(config.memberIds().keySet()).containsExactly("m1", "m2", "m3");
    assertThat(config.memberIds().values())
        .extracting(MemberIds::format)
        .containsExactly("9b2acd532eb4584f", "4b8064052169aa2", "1daf5fc22e0cda5");
    assertThat(MemberIds.format(config.memberId())).isEqualTo("4b8064052169aa2");
    assertThat(MemberIds.format(config.clusterId())).isEqualTo("5fd2416ff2f94b63");
    assertThat(member("m1", 100, 1000).clusterId()).isEqualTo(config.clusterId());
  }

  @Test
  void electionTickIsTimeoutOverInterval() {
    assertThat(member("m1", 100, 1000).electionTick()).isEqualTo(10);
    assertThat(member("m1", 50, 1234).electionTick()).isEqualTo(24);
  }

  @Test
  void electionTimeoutMustBeFiveHeartbeats() {
    assertError(
        member("m1", 250, 1000),
        "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[250ms]");
    member("m1", 200, 1000).validate();
  }

  @Test
  void electionTimeoutHasAnUpperBound() {
    assertError(
        member("m1", 100, 50_001),
        "--election-timeout[50001ms] is too long, and should be set less than 50000ms");
    member("m1", 100, 50_000).validate();
  }

  @Test
  void timesMustBePositive() {
    assertError(member("m1", 0, 1000), "--heartbeat-interval must be >0 (set to 0ms)");
    assertError(member("m1", 100, -1), "--election-timeout must be >0 (set to -1ms)");
  }

  @Test
  void snapshotCountMustBePositive() {
    ServerConfig config = member("m1", 100, 1000);
    ServerConfig zero =
        new ServerConfig(
            config.name(),
            config.dataDir(),
            config.listenPeerUrls(),
            config.initialAdvertisePeerUrls(),
            config.listenClientUrls(),
            config.advertiseClientUrls(),
            config.initialCluster(),
            config.initialClusterState(),
            config.initialClusterToken(),
            config.heartbeatIntervalMs(),
            config.electionTimeoutMs(),
            0,
            config.maxRequestBytes(),
            config.quotaBackendBytes(),
            config.maxTxnOps(),
            config.listenMetricsUrls(),
            config.corruptCheckTime(),
            config.initialCorruptCheck());

    assertError(zero, "--snapshot-count must be >0 (set to 0)");
  }

  @Test
  void limitsMustBePositive() {
    ServerConfig c = member("m1", 100, 1000);
    assertError(new ServerConfig(c.name(), c.dataDir(), c.listenPeerUrls(),
        c.initialAdvertisePeerUrls(), c.listenClientUrls(), c.advertiseClientUrls(),
        c.initialCluster(), c.initialClusterState(), c.initialClusterToken(),
        c.heartbeatIntervalMs(), c.electionTimeoutMs(), c.snapshotCount(), 0,
        c.quotaBackendBytes(), c.maxTxnOps(), c.listenMetricsUrls(), c.corruptCheckTime(), false),
        "--max-request-bytes must be >0 (set to 0)");
    assertError(new ServerConfig(c.name(), c.dataDir(), c.listenPeerUrls(),
        c.initialAdvertisePeerUrls(), c.listenClientUrls(), c.advertiseClientUrls(),
        c.initialCluster(), c.initialClusterState(), c.initialClusterToken(),
        c.heartbeatIntervalMs(), c.electionTimeoutMs(), c.snapshotCount(),
        c.maxRequestBytes(), c.quotaBackendBytes(), -1, c.listenMetricsUrls(),
        c.corruptCheckTime(), false),
        "--max-txn-ops must be >0 (set to -1)");
  }

  @Test
  void nameMustBeInInitialCluster() {
    assertError(
        member("m4", 100, 1000),
        "--name: couldn't find local name \"m4\" in the initial cluster configuration"
            + " (--initial-cluster=m1=http://127.0.0.1:22380,m2=http://127.0.0.1:22390,"
            + "m3=http://127.0.0.1:22400)");
    assertThatThrownBy(() -> member("m4", 100, 1000).memberId())
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void advertisedPeerUrlsMustMatchTheInitialCluster() {
    assertError(
        withAdvertisedPeers(ClusterState.NEW, "http://127.0.0.1:9999"),
        "--initial-cluster has m1=http://127.0.0.1:22380 but missing from"
            + " --initial-advertise-peer-urls=http://127.0.0.1:9999");
    assertError(
        withAdvertisedPeers(ClusterState.NEW, "http://127.0.0.1:22380", "http://127.0.0.1:9999"),
        "--initial-advertise-peer-urls has http://127.0.0.1:9999 but missing from"
            + " --initial-cluster=m1=http://127.0.0.1:22380");
  }

  @Test
  void joiningAnExistingClusterSkipsTheAdvertiseCheckAsEtcdDoes() {
    withAdvertisedPeers(ClusterState.EXISTING, "http://127.0.0.1:9999").validate();
  }

  @Test
  void initialClusterUrlsMustBeUnique() {
    Map<String, List<URI>> cluster = new LinkedHashMap<>();
    cluster.put("m1", urls("http://127.0.0.1:22380"));
    cluster.put("m2", urls("http://127.0.0.1:22380"));

    assertError(
        config("m1", urls("http://127.0.0.1:22380"), cluster, ClusterState.NEW, 100, 1000),
        "--initial-cluster: initial cluster m1=http://127.0.0.1:22380,m2=http://127.0.0.1:22380"
            + " has duplicate url http://127.0.0.1:22380");
  }

  @Test
  void urlsMustBePlainHttpHostPort() {
    assertUrlError(
        "https://127.0.0.1:22380",
        "--initial-advertise-peer-urls: TLS is not supported yet, use http instead of https:"
            + " https://127.0.0.1:22380");
    assertUrlError(
        "unix://sock:1", "--initial-advertise-peer-urls: URL scheme must be http: unix://sock:1");
    assertUrlError(
        "localhost:22380",
        "--initial-advertise-peer-urls: URL scheme must be http: localhost:22380");
    assertUrlError(
        "http://127.0.0.1",
        "--initial-advertise-peer-urls: URL address does not have the form \"host:port\":"
            + " http://127.0.0.1");
    assertUrlError(
        "http://127.0.0.1:22380/",
        "--initial-advertise-peer-urls: URL must not contain a path: http://127.0.0.1:22380/");
    assertUrlError(
        "http://127.0.0.1:22380?a=b",
        "--initial-advertise-peer-urls: URL must have the form http://host:port:"
            + " http://127.0.0.1:22380?a=b");
  }

  @Test
  void anyHostIsFine() {
    Map<String, List<URI>> cluster = Map.of("a", urls("http://node-a.example:2380"));
    config("a", urls("http://node-a.example:2380"), cluster, ClusterState.NEW, 100, 1000)
        .validate();
  }

  @Test
  void componentsAreCopied() {
    Map<String, List<URI>> cluster = new LinkedHashMap<>(threeMembers());
    ServerConfig config =
        config("m1", urls("http://127.0.0.1:22380"), cluster, ClusterState.NEW, 100, 1000);

    cluster.clear();

    assertThat(config.initialCluster()).hasSize(3);
    assertThatThrownBy(() -> config.initialCluster().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  private static void assertUrlError(String url, String message) {
    Map<String, List<URI>> cluster = Map.of("m1", urls(url));
    assertError(config("m1", urls(url), cluster, ClusterState.NEW, 100, 1000), message);
  }

  private static void assertError(ServerConfig config, String message) {
    assertThatThrownBy(config::validate).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  private static ServerConfig member(String name, int heartbeatMs, int electionMs) {
    List<URI> peers = threeMembers().getOrDefault(name, urls("http://127.0.0.1:22410"));
    return config(name, peers, threeMembers(), ClusterState.NEW, heartbeatMs, electionMs);
  }

  private static ServerConfig withAdvertisedPeers(ClusterState state, String... advertised) {
    return config("m1", urls(advertised), threeMembers(), state, 100, 1000);
  }

  private static ServerConfig config(
      String name,
      List<URI> advertisedPeers,
      Map<String, List<URI>> cluster,
      ClusterState state,
      int heartbeatMs,
      int electionMs) {
    return new ServerConfig(
        name,
        Path.of(name + ".etcd"),
        urls("http://0.0.0.0:22380"),
        advertisedPeers,
        urls("http://127.0.0.1:22379"),
        urls("http://127.0.0.1:22379"),
        cluster,
        state,
        "kv-cluster",
        heartbeatMs,
        electionMs,
        100_000,
        ServerConfig.DEFAULT_MAX_REQUEST_BYTES,
        0,
        ServerConfig.DEFAULT_MAX_TXN_OPS,
        List.of(),
        Duration.ZERO,
        false);
  }

  private static Map<String, List<URI>> threeMembers() {
    Map<String, List<URI>> cluster = new LinkedHashMap<>();
    cluster.put("m1", urls("http://127.0.0.1:22380"));
    cluster.put("m2", urls("http://127.0.0.1:22390"));
    cluster.put("m3", urls("http://127.0.0.1:22400"));
    return cluster;
  }

  private static List<URI> urls(String... urls) {
    return Arrays.stream(urls).map(URI::create).toList();
  }
}
