package io.kvstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.server.ServerConfig.ClusterState;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** etcd's flag names and defaults turned into a {@link ServerConfig}. */
class ServerFlagsTest {

  @Test
  void defaultsAreEtcds() {
    ServerConfig config = parse();

    assertThat(config.name()).isEqualTo("default");
    assertThat(config.dataDir()).isEqualTo(Path.of("default.etcd"));
    assertThat(config.listenPeerUrls()).containsExactly(URI.create("http://localhost:2380"));
    assertThat(config.initialAdvertisePeerUrls())
        .containsExactly(URI.create("http://localhost:2380"));
    assertThat(config.listenClientUrls()).containsExactly(URI.create("http://localhost:2379"));
    assertThat(config.advertiseClientUrls()).containsExactly(URI.create("http://localhost:2379"));
    assertThat(config.initialCluster())
        .containsExactly(Map.entry("default", List.of(URI.create("http://localhost:2380"))));
    assertThat(config.initialClusterState()).isEqualTo(ClusterState.NEW);
    assertThat(config.initialClusterToken()).isEqualTo("etcd-cluster");
    assertThat(config.heartbeatIntervalMs()).isEqualTo(100);
    assertThat(config.electionTimeoutMs()).isEqualTo(1000);
    assertThat(config.snapshotCount()).isEqualTo(100_000);
    assertThat(config.electionTick()).isEqualTo(10);
    assertThat(config.maxRequestBytes()).isEqualTo(1_572_864);
    assertThat(config.quotaBackendBytes()).isZero();
    assertThat(config.quotaBytes()).isEqualTo(2L << 30);
    assertThat(config.maxTxnOps()).isEqualTo(128);
    assertThat(config.listenMetricsUrls()).isEmpty();
    assertThat(MemberIds.format(config.memberId())).isEqualTo("8e9e05c52164694d");
    assertThat(MemberIds.format(config.clusterId())).isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void limitsAndMetricsUrls() {
    ServerConfig config = parse("--max-request-bytes", "1024", "--quota-backend-bytes=4096",
        "--max-txn-ops", "8", "--listen-metrics-urls", "http://127.0.0.1:2381");

    assertThat(config.maxRequestBytes()).isEqualTo(1024);
    assertThat(config.quotaBytes()).isEqualTo(4096);
    assertThat(config.maxTxnOps()).isEqualTo(8);
    assertThat(config.listenMetricsUrls()).containsExactly(URI.create("http://127.0.0.1:2381"));
    assertThat(parse("--quota-backend-bytes", "-1").quotaBytes()).isEqualTo(Long.MAX_VALUE);
  }

  /** A Go bool flag: off by default, on when given alone or {@code =true}. */
  @Test
  void initialCorruptCheckIsABoolFlag() {
    assertThat(parse().initialCorruptCheck()).isFalse();
    assertThat(parse("--experimental-initial-corrupt-check").initialCorruptCheck()).isTrue();
    assertThat(parse("--experimental-initial-corrupt-check=true").initialCorruptCheck()).isTrue();
    assertThat(parse("--experimental-initial-corrupt-check=false").initialCorruptCheck())
        .isFalse();
  }

  @Test
  void dataDirFollowsTheName() {
    assertThat(parse("--name", "n1", "--initial-cluster", "n1=http://localhost:2380").dataDir())
        .isEqualTo(Path.of("n1.etcd"));
  }

  @Test
  void threeMemberCluster() {
    ServerConfig config =
        parse(
            "--name",
            "m2",
            "--data-dir",
            "run/cluster/m2",
            "--listen-peer-urls",
            "http://127.0.0.1:22390",
            "--initial-advertise-peer-urls",
            "http://127.0.0.1:22390",
            "--listen-client-urls",
            "http://127.0.0.1:22389",
            "--advertise-client-urls",
            "http://127.0.0.1:22389",
            "--initial-cluster",
            "m1=http://127.0.0.1:22380,m2=http://127.0.0.1:22390,m3=http://127.0.0.1:22400",
            "--initial-cluster-state",
            "new",
            "--initial-cluster-token",
            "kv-cluster",
            "--heartbeat-interval",
            "50",
            "--election-timeout=500",
            "--snapshot-count",
            "1000");

    assertThat(config.name()).isEqualTo("m2");
    assertThat(config.dataDir()).isEqualTo(Path.of("run/cluster/m2"));
    assertThat(config.listenPeerUrls()).containsExactly(URI.create("http://127.0.0.1:22390"));
    assertThat(config.listenClientUrls()).containsExactly(URI.create("http://127.0.0.1:22389"));
    assertThat(config.initialCluster().keySet()).containsExactly("m1", "m2", "m3");
    assertThat(config.initialCluster().get("m3"))
        .containsExactly(URI.create("http://127.0.0.1:22400"));
    assertThat(config.initialClusterToken()).isEqualTo("kv-cluster");
    assertThat(config.electionTick()).isEqualTo(10);
    assertThat(config.snapshotCount()).isEqualTo(1000);
    assertThat(MemberIds.format(config.memberId())).isEqualTo("4b8064052169aa2");
    assertThat(MemberIds.format(config.clusterId())).isEqualTo("5fd2416ff2f94b63");
  }

  @Test
  void aNameGivenTwiceIsOneMemberWithTwoPeerUrlsAsInEtcd() {
    ServerConfig config =
        parse(
            "--initial-cluster", "default=http://localhost:2380,default=http://127.0.0.1:2380",
            "--initial-advertise-peer-urls", "http://127.0.0.1:2380,http://localhost:2380");

    assertThat(config.initialCluster().get("default"))
        .containsExactly(URI.create("http://localhost:2380"), URI.create("http://127.0.0.1:2380"));
  }

  @Test
  void listFlagsReplaceTheirDefaults() {
    ServerConfig config = parse("--listen-peer-urls", "http://0.0.0.0:2380,http://127.0.0.1:2381");

    assertThat(config.listenPeerUrls())
        .containsExactly(URI.create("http://0.0.0.0:2380"), URI.create("http://127.0.0.1:2381"));
  }

  @Test
  void existingClusterState() {
    assertThat(parse("--initial-cluster-state", "existing").initialClusterState())
        .isEqualTo(ClusterState.EXISTING);
  }

  @Test
  void listenClientUrlsNeedAdvertiseClientUrls() {
    assertThatThrownBy(() -> parse("--listen-client-urls", "http://0.0.0.0:2379"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--advertise-client-urls is required when --listen-client-urls is set explicitly");
  }

  @Test
  void initialClusterEntriesNeedAName() {
    assertThatThrownBy(() -> parse("--initial-cluster", "http://localhost:2380"))
        .hasMessage("--initial-cluster: \"http://localhost:2380\" is not of the form name=url");
    assertThatThrownBy(() -> parse("--initial-cluster", "=http://localhost:2380"))
        .hasMessage("--initial-cluster: \"=http://localhost:2380\" has an empty member name");
  }

  @Test
  void unparsableUrlNamesTheFlag() {
    assertThatThrownBy(() -> parse("--listen-peer-urls", "http://a b:1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--listen-peer-urls: invalid URL \"http://a b:1\": ");
  }

  @Test
  void urlWithoutSchemeNamesTheFlag() {
    assertThatThrownBy(
            () ->
                parse(
                    "--listen-client-urls",
                    "127.0.0.1:2379",
                    "--advertise-client-urls",
                    "http://127.0.0.1:2379"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--listen-client-urls: URL must have the form http://host:port: 127.0.0.1:2379");
  }

  @Test
  void unknownClusterState() {
    assertThatThrownBy(() -> parse("--initial-cluster-state", "NEW"))
        .hasMessage("--initial-cluster-state: invalid value \"NEW\" (valid values: new, existing)");
  }

  private static ServerConfig parse(String... args) {
    var commandLine = ServerFlags.newCommandLine();
    commandLine.parseArgs(args);
    return commandLine.<ServerFlags>getCommand().toConfig();
  }
}
