package io.kvstore.server;

import io.kvstore.server.ServerConfig.ClusterState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/**
 * Not thread-safe: picocli fills one instance from one command line. kv-server's flags, with etcd's
 * names and defaults; {@link #toConfig} turns them into a validated {@link ServerConfig}.
 */
@Command(
    name = "kv-server",
    mixinStandardHelpOptions = true,
    versionProvider = ServerFlags.Version.class,
    customSynopsis = "kv-server [FLAGS]",
    sortOptions = false,
    usageHelpWidth = 120,
    description = "Runs one kvstore member. Flags follow etcd's names and defaults.")
final class ServerFlags {
  private static final String DEFAULT_PEER_URL = "http://localhost:2380";
  private static final String DEFAULT_CLIENT_URL = "http://localhost:2379";

  @Option(
      names = "--name",
      paramLabel = "NAME",
      defaultValue = "default",
      description = "Human-readable name for this member (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Path to the data directory (default: <name>.etcd).")
  Path dataDir;

  @Option(
      names = "--listen-peer-urls",
      paramLabel = "URL",
      split = ",",
      defaultValue = DEFAULT_PEER_URL,
      description = "URLs to listen on for peer traffic (default: ${DEFAULT-VALUE}).")
  List<String> listenPeerUrls;

  @Option(
      names = "--initial-advertise-peer-urls",
      paramLabel = "URL",
      split = ",",
      defaultValue = DEFAULT_PEER_URL,
      description =
          "Peer URLs of this member to advertise to the cluster (default: ${DEFAULT-VALUE}).")
  List<String> initialAdvertisePeerUrls;

  @Option(
      names = "--initial-cluster",
      paramLabel = "NAME=URL,...",
      defaultValue = "default=" + DEFAULT_PEER_URL,
      description = "Initial cluster configuration for bootstrapping (default: ${DEFAULT-VALUE}).")
  String initialCluster;

  @Option(
      names = "--initial-cluster-state",
      paramLabel = "new|existing",
      defaultValue = "new",
      description = "Initial cluster state: new or existing (default: ${DEFAULT-VALUE}).")
  String initialClusterState;

  @Option(
      names = "--initial-cluster-token",
      paramLabel = "TOKEN",
      defaultValue = "etcd-cluster",
      description =
          "Initial cluster token; salts the member and cluster ids"
              + " (default: ${DEFAULT-VALUE}).")
  String initialClusterToken;

  @Option(
      names = "--listen-client-urls",
      paramLabel = "URL",
      split = ",",
      description = "URLs to listen on for client traffic (default: " + DEFAULT_CLIENT_URL + ").")
  List<String> listenClientUrls;

  @Option(
      names = "--advertise-client-urls",
      paramLabel = "URL",
      split = ",",
      description =
          "Client URLs of this member to advertise to clients (default: "
              + DEFAULT_CLIENT_URL
              + "; required with --listen-client-urls).")
  List<String> advertiseClientUrls;

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "MS",
      defaultValue = "100",
      description = "Time (in milliseconds) of a heartbeat interval (default: ${DEFAULT-VALUE}).")
  int heartbeatIntervalMs;

  @Option(
      names = "--election-timeout",
      paramLabel = "MS",
      defaultValue = "1000",
      description =
          "Time (in milliseconds) for an election to timeout (default: ${DEFAULT-VALUE}).")
  int electionTimeoutMs;

  @Option(
      names = "--snapshot-count",
      paramLabel = "N",
      defaultValue = "100000",
      description =
          "Number of committed transactions to trigger a snapshot to disk"
              + " (default: ${DEFAULT-VALUE}).")
  long snapshotCount;

  @Option(
      names = "--max-request-bytes",
      paramLabel = "BYTES",
      defaultValue = "1572864",
      description =
          "Maximum client request size in bytes the server will accept"
              + " (default: ${DEFAULT-VALUE}).")
  int maxRequestBytes;

  @Option(
      names = "--quota-backend-bytes",
      paramLabel = "BYTES",
      defaultValue = "0",
      description =
          "Raise alarms when backend size exceeds the given quota; 0 means the default of 2 GiB"
              + " (default: ${DEFAULT-VALUE}).")
  long quotaBackendBytes;

  @Option(
      names = "--max-txn-ops",
      paramLabel = "N",
      defaultValue = "128",
      description =
          "Maximum number of operations permitted in a transaction (default: ${DEFAULT-VALUE}).")
  int maxTxnOps;

  @Option(
      names = "--listen-metrics-urls",
      paramLabel = "URL",
      split = ",",
      description =
          "List of URLs to listen on for the metrics and health endpoints (default: none).")
  List<String> listenMetricsUrls;

  @Option(
      names = "--experimental-corrupt-check-time",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description =
          "Duration of time between cluster corruption check passes; 0s disables it"
              + " (default: ${DEFAULT-VALUE}).")
  String corruptCheckTime;

  @Option(
      names = "--experimental-initial-corrupt-check",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      defaultValue = "false",
      description =
          "Enable to check data corruption before serving any client/peer traffic"
              + " (default: ${DEFAULT-VALUE}).")
  boolean initialCorruptCheck;

  /** A parser for these flags; as with etcd's flags, a flag given twice keeps its last value. */
  static CommandLine newCommandLine() {
    return new CommandLine(new ServerFlags()).setOverwrittenOptionsAllowed(true);
  }

  /** The flags as a validated config; throws {@link ConfigException} naming the wrong flag. */
  ServerConfig toConfig() {
    if (listenClientUrls != null && advertiseClientUrls == null) {
      throw new ConfigException(
          "--advertise-client-urls is required when --listen-client-urls is set explicitly");
    }
    ServerConfig config =
        new ServerConfig(
            name,
            dataDir != null ? dataDir : Path.of(name + ".etcd"),
            HttpUrls.parse("--listen-peer-urls", listenPeerUrls),
            HttpUrls.parse("--initial-advertise-peer-urls", initialAdvertisePeerUrls),
            HttpUrls.parse("--listen-client-urls", orDefault(listenClientUrls)),
            HttpUrls.parse("--advertise-client-urls", orDefault(advertiseClientUrls)),
            InitialClusterFlag.parse(initialCluster),
            clusterState(initialClusterState),
            initialClusterToken,
            heartbeatIntervalMs,
            electionTimeoutMs,
            snapshotCount,
            maxRequestBytes,
            quotaBackendBytes,
            maxTxnOps,
            HttpUrls.parse("--listen-metrics-urls",
                listenMetricsUrls != null ? listenMetricsUrls : List.of()),
            duration("--experimental-corrupt-check-time", corruptCheckTime),
            initialCorruptCheck);
    config.validate();
    return config;
  }

  private static Duration duration(String flag, String value) {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(flag + ": " + e.getMessage());
    }
  }

  private static List<String> orDefault(List<String> clientUrls) {
    return clientUrls != null ? clientUrls : List.of(DEFAULT_CLIENT_URL);
  }

  private static ClusterState clusterState(String value) {
    return Arrays.stream(ClusterState.values())
        .filter(state -> state.flagValue().equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                new ConfigException(
                    "--initial-cluster-state: invalid value \""
                        + value
                        + "\" (valid values: new, existing)"));
  }

  /** Stateless. The version from the jar's Maven descriptor, and the Java runtime's. */
  static final class Version implements IVersionProvider {
    private static final String POM_PROPERTIES =
        "/META-INF/maven/io.kvstore/kv-server/pom.properties";

    @Override
    public String[] getVersion() throws IOException {
      Properties pom = new Properties();
      try (InputStream in = ServerFlags.class.getResourceAsStream(POM_PROPERTIES)) {
        if (in != null) {
          pom.load(in);
        }
      }
      return new String[] {
        "kv-server Version: " + pom.getProperty("version", "unknown (not run from the jar)"),
        "Java Version: " + Runtime.version()
      };
    }
  }
}
