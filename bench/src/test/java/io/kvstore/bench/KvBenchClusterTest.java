package io.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.ServerLauncher;
import io.kvstore.server.process.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every workload, briefly, through the command line against a real three-member kv-server cluster
 * (separate JVMs started with kv-server's process helpers): the exit status, the request counts
 * in the JSON file and on stdout, and for watch every event delivered to every watcher.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class KvBenchClusterTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");

  private Path dir;
  private ServerLauncher launcher;
  private String endpoints;

  @BeforeAll
  void startCluster() throws Exception {
    dir = Files.createTempDirectory("kv-bench-cluster-test");
    launcher = new ServerLauncher(dir);
    List<MemberFlags> flags = IntStream.rangeClosed(1, 3)
        .mapToObj(i -> MemberFlags.of("m" + i, dir)).toList();
    List<ServerProcess> members = new ArrayList<>();
    flags.forEach(m -> members.add(launcher.start(m.name(), m.flags(flags))));
    members.forEach(m -> m.awaitLine(READY, Duration.ofSeconds(60)));
    endpoints = flags.stream().map(f -> "127.0.0.1:" + f.clientPort())
        .collect(Collectors.joining(","));
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (launcher != null) {
      launcher.close();
    }
    if (dir != null) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Runs kv-bench with the cluster's endpoints and a JSON file; returns the parsed JSON. */
  private Map<String, Object> bench(String... args) throws Exception {
    Path json = dir.resolve("result-" + System.nanoTime() + ".json");
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--endpoints", endpoints, "--json", json.toString(), "--progress", "never"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = KvBench.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), all.toArray(String[]::new));
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertThat(status).as("%s%n%s", stdout, err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(stdout).startsWith(args[0] + ": ");
    return MiniJson.object(Files.readString(json));
  }

  private static long num(Map<String, Object> json, String key) {
    return Math.round((Double) json.get(key));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> latency(Map<String, Object> json, String op) {
    return (Map<String, Object>) ((Map<String, Object>) json.get("latencyMs")).get(op);
  }

  /**
   * Every request accounted for: successes plus errors make the total, and each success has one
   * latency sample. Errors are the server's (kvstore's linearizable reads occasionally answer
   * "etcdserver: request timed out" under load), so a few are tolerated, never most.
   */
  private static void allAccountedFor(Map<String, Object> json, long total, String op) {
    long errors = num(json, "errors");
    assertThat(num(json, "requests") + errors).isEqualTo(total);
    assertThat(errors).as("errors: %s", json.get("errorCounts")).isLessThanOrEqualTo(total / 20);
    assertThat(Math.round((Double) latency(json, op).get("count")))
        .isEqualTo(num(json, "requests"));
    assertThat((Double) json.get("throughput")).isPositive();
    assertThat((Double) latency(json, op).get("p99"))
        .isGreaterThanOrEqualTo((Double) latency(json, op).get("p50"));
  }

  @Test
  void put() throws Exception {
    Map<String, Object> json = bench("put", "--total", "300", "--clients", "10", "--conns", "3",
        "--val-size", "256", "--key-space", "1000");
    allAccountedFor(json, 300, "put");
    assertThat(json.get("primary")).isEqualTo("put");
  }

  @Test
  void rangeLinearizableAndSerializable() throws Exception {
    Map<String, Object> l = bench("range", "--total", "300", "--clients", "10", "--conns", "3",
        "--key-space", "200", "--key-prefix", "r");
    allAccountedFor(l, 300, "range");
    @SuppressWarnings("unchecked")
    Map<String, Object> settings = (Map<String, Object>) l.get("settings");
    assertThat(settings.get("consistency")).isEqualTo("l");

    Map<String, Object> s = bench("range", "--consistency", "s", "--total", "300", "--clients",
        "10", "--key-space", "200", "--key-prefix", "r", "--no-prefill");
    allAccountedFor(s, 300, "range");
  }

  @Test
  void txnPut() throws Exception {
    Map<String, Object> json = bench("txn-put", "--total", "200", "--clients", "5", "--txn-ops",
        "4", "--key-space", "100", "--key-prefix", "t");
    allAccountedFor(json, 200, "txn");
  }

  @Test
  @SuppressWarnings("unchecked")
  void watchDeliversEveryPutToEveryWatcher() throws Exception {
    Map<String, Object> json = bench("watch", "--total", "100", "--watchers", "20", "--conns", "2",
        "--clients", "2", "--rate", "500", "--val-size", "16", "--key-prefix", "w");
    assertThat(num(json, "errors")).as("errors: %s", json.get("errorCounts")).isZero();
    assertThat(num(json, "requests")).isEqualTo(100);
    Map<String, Object> counts = (Map<String, Object>) json.get("counts");
    assertThat(counts.get("eventsExpected")).isEqualTo(2000.0);
    assertThat(counts.get("eventsReceived")).isEqualTo(2000.0);
    assertThat(Math.round((Double) latency(json, "event").get("count"))).isEqualTo(2000);
    assertThat(json.get("primary")).isEqualTo("event");
  }

  @Test
  void leaseKeepAlive() throws Exception {
    Map<String, Object> json = bench("lease-keepalive", "--total", "300", "--clients", "5");
    allAccountedFor(json, 300, "keepalive");
  }

  @Test
  void mixedSplitsReadsAndWrites() throws Exception {
    Map<String, Object> json = bench("mixed", "--total", "300", "--clients", "10",
        "--read-ratio", "0.7", "--key-space", "100", "--key-prefix", "x");
    allAccountedFor(json, 300, "all");
    long reads = Math.round((Double) latency(json, "range").get("count"));
    long writes = Math.round((Double) latency(json, "put").get("count"));
    assertThat(reads + writes).isEqualTo(300);
    assertThat(reads).isBetween(150L, 270L);
  }

  @Test
  void durationAndRateBoundTheRun() throws Exception {
    Map<String, Object> json = bench("put", "--duration", "1s", "--rate", "100", "--clients", "20");
    assertThat(num(json, "errors")).isZero();
    // the rate caps the count (request n is not sent before n / rate); a slow cluster may lag
    assertThat(num(json, "requests")).isBetween(20L, 100L);
    assertThat((Double) json.get("seconds")).isBetween(0.5, 3.0);
  }

  @Test
  void tableIsTheDefaultAndJsonGoesToStdoutWithW() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = KvBench.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
        "put", "--total", "50", "--endpoints", endpoints, "-w", "json", "--progress", "never");
    assertThat(status).isZero();
    Map<String, Object> json = MiniJson.object(out.toString(StandardCharsets.UTF_8));
    assertThat(json.get("requests")).isEqualTo(50.0);
  }
}
