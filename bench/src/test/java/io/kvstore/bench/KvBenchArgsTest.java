package io.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Bad command lines end with exit status 2 and a message naming the flag, before connecting. */
class KvBenchArgsTest {
  private record Outcome(int status, String out, String err) {}

  private static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = KvBench.run(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new Outcome(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "put --clients 0|--clients must be positive, not 0",
      "put --conns -1|--conns must be positive, not -1",
      "put --total 5 --duration 1s|--total and --duration exclude each other",
      "put --total 0|--total must be positive",
      "put --duration soon|--duration must be a duration such as 30s",
      "put --rate -3|--rate must be 0 (unlimited) or positive",
      "put --key-size 2 --key-space 100000|--key-space 100000 needs more than 1 bytes",
      "put --key-size 1|--key-size 1 leaves no room",
      "put --endpoints localhost|--endpoints: 'localhost' is not host:port",
      "put --endpoints https://a:1|only plain http endpoints",
      "put -w yaml|-w/--write-out must be table or json",
      "put --clients many|Invalid value for option '--clients'",
      "put --bogus|Unknown option: '--bogus'",
      "range --consistency x|--consistency must be l (linearizable) or s (serializable)",
      "mixed --read-ratio 1.5|--read-ratio must be between 0 and 1",
      "txn-put --txn-ops 3 --key-space 2|--txn-ops 3 exceeds --key-space 2",
      "watch --watchers 0|--watchers must be positive",
      "watch --val-size 4|--val-size must be at least 8 for watch",
      "watch --watchers 5 --streams 6|--streams must be between 1 and --watchers (5)",
      "lease-keepalive --lease-ttl 0|--lease-ttl must be positive",
      "compare --rounds 0|--rounds must be positive",
      "frobnicate|Unmatched argument at index 0: 'frobnicate'",
  })
  void badFlagsExitTwoWithAClearMessage(String args, String message) {
    Outcome o = run(args.split(" "));

    assertThat(o.status()).as(o.err()).isEqualTo(2);
    assertThat(o.err()).startsWith("kv-bench: ").contains(message).contains("--help");
    assertThat(o.out()).isEmpty();
  }

  @Test
  void noCommandIsAUsageError() {
    Outcome o = run();

    assertThat(o.status()).isEqualTo(2);
    assertThat(o.err()).contains("a workload command is required", "Usage: kv-bench");
  }

  @Test
  void helpListsTheWorkloadsAndExitsZero() {
    Outcome o = run("--help");

    assertThat(o.status()).isZero();
    assertThat(o.out()).contains("put", "range", "txn-put", "watch", "lease-keepalive", "mixed",
        "compare");
    Outcome put = run("put", "--help");
    assertThat(put.out()).contains("--endpoints", "--clients", "--conns", "--total", "--duration",
        "--rate", "--key-size", "--val-size", "--key-space", "--sequential-keys", "--json",
        "--write-out");
  }

  @Test
  void unreachableEndpointFailsWithStatusOneAndCountsTheErrors() {
    // A port nobody listens on (below the ephemeral range); every request fails fast.
    Outcome o = run("put", "--endpoints", "127.0.0.1:1", "--total", "20", "--timeout", "2s");

    assertThat(o.status()).isEqualTo(1);
    assertThat(o.out()).contains("put: 0 requests", "20 errors", "Unavailable");
    assertThat(o.err()).contains("every request failed");
  }
}
