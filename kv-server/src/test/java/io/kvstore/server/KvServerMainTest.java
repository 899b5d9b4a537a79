package io.kvstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The entry point: exit statuses, one-line errors, help and version. */
class KvServerMainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final AtomicReference<ServerConfig> started = new AtomicReference<>();

  @Test
  void runsTheMemberAndReturnsItsStatus() {
    int status = run("--name", "m1", "--initial-cluster", "m1=http://localhost:2380");

    assertThat(status).isEqualTo(7);
    assertThat(started.get().name()).isEqualTo("m1");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void wrongFlagsPrintOneLineAndExitTwo() {
    assertError("kv-server: error: Unknown option: '--bogus'", "--bogus");
    assertError(
        "kv-server: error: Invalid value for option '--heartbeat-interval': 'fast' is not an int",
        "--heartbeat-interval",
        "fast");
    assertError(
        "kv-server: error: Missing required parameter for option '--name' (NAME)", "--name");
    assertError(
        "kv-server: error: --election-timeout[400ms] should be at least as 5 times as"
            + " --heartbeat-interval[100ms]",
        "--election-timeout",
        "400");
    assertError(
        "kv-server: error: --name: couldn't find local name \"m9\" in the initial cluster"
            + " configuration (--initial-cluster=default=http://localhost:2380)",
        "--name",
        "m9");
    assertError(
        "kv-server: error: --listen-peer-urls: TLS is not supported yet, use http instead of"
            + " https: https://localhost:2380",
        "--listen-peer-urls",
        "https://localhost:2380");
    assertError(
        "kv-server: error: --initial-cluster has default=http://localhost:2380 but missing"
            + " from --initial-advertise-peer-urls=http://127.0.0.1:2380",
        "--initial-advertise-peer-urls",
        "http://127.0.0.1:2380");
  }

  @Test
  void helpPrintsUsageAndExitsZero() {
    assertThat(run("--help")).isZero();

    String usage = out.toString(StandardCharsets.UTF_8);
    assertThat(usage).startsWith("Usage: kv-server");
    assertThat(usage)
        .contains(
            "--name",
            "--data-dir",
            "--listen-peer-urls",
            "--initial-advertise-peer-urls",
            "--initial-cluster",
            "--initial-cluster-state",
            "--initial-cluster-token",
            "--listen-client-urls",
            "--advertise-client-urls",
            "--heartbeat-interval",
            "--election-timeout",
            "--snapshot-count",
            "--version");
    assertThat(started.get()).isNull();
  }

  @Test
  void versionExitsZero() {
    assertThat(run("--version")).isZero();

    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("kv-server Version: ");
    assertThat(started.get()).isNull();
  }

  @Test
  void aFlagGivenTwiceKeepsTheLastValueAsInEtcd() {
    run("--name", "a", "--name", "default");

    assertThat(started.get().name()).isEqualTo("default");
  }

  private void assertError(String line, String... args) {
    out.reset();
    err.reset();

    assertThat(run(args)).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(line + System.lineSeparator());
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  private int run(String... args) {
    return KvServerMain.run(
        args,
        print(out),
        print(err),
        config -> {
          started.set(config);
          return 7;
        });
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
