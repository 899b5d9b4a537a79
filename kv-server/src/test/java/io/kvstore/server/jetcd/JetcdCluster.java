package io.kvstore.server.jetcd;

import static org.assertj.core.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.kvstore.server.process.Leadership;
import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.ServerLauncher;
import io.kvstore.server.process.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A cluster of real kv-server processes for the jetcd tests, and the jetcd clients pointed at it:
 * {@link #close} closes every client it built and kills every process it started, whatever the
 * test's outcome.
 *
 * <p>Thread-safety: confined to the test thread.
 */
final class JetcdCluster implements AutoCloseable {
  static final Pattern READY = Pattern.compile("ready to serve client requests");
  static final Duration WAIT = Duration.ofSeconds(45);

  final ServerLauncher launcher;
  final List<MemberFlags> flags;
  final List<ServerProcess> members = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();

  private JetcdCluster(Path dir, int size) {
    launcher = new ServerLauncher(dir);
    flags = IntStream.rangeClosed(1, size).mapToObj(i -> MemberFlags.of("m" + i, dir)).toList();
  }

  /** Starts {@code size} members m1..mN in {@code dir} and waits until they agree on a leader. */
  static JetcdCluster start(Path dir, int size) {
    JetcdCluster cluster = new JetcdCluster(dir, size);
    try {
      cluster.flags.forEach(m -> cluster.members.add(
          cluster.launcher.start(m.name(), m.flags(cluster.flags))));
      cluster.members.forEach(m -> m.awaitLine(READY, WAIT));
      Leadership.awaitAgreement(cluster.members, 0, WAIT);
      return cluster;
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** Member {@code i}'s (0-based) client URL, as jetcd takes endpoints. */
  String endpoint(int i) {
    return "http://127.0.0.1:" + flags.get(i).clientPort();
  }

  /** Every member's client URL. */
  String[] endpoints() {
    return IntStream.range(0, flags.size()).mapToObj(this::endpoint).toArray(String[]::new);
  }

  /** A jetcd client on all members, closed by {@link #close}. */
  Client client() {
    return client(Client.builder().endpoints(endpoints()));
  }

  /** A jetcd client built from {@code builder}, closed by {@link #close}. */
  Client client(ClientBuilder builder) {
    Client c = builder.build();
    clients.add(c);
    return c;
  }

  @Override
  public void close() {
    clients.forEach(Client::close);
    launcher.close();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(15, TimeUnit.SECONDS);
  }

  /** An action that may fail while the cluster settles. */
  interface Probe<T> {
    T get() throws Exception;
  }

  /**
   * Calls {@code probe} every 100 ms until it returns a value {@code ok} accepts, and returns that
   * value; a probe that throws counts as not yet. Fails after {@code timeout} with the last value or
   * failure.
   */
  static <T> T eventually(Duration timeout, Probe<T> probe, Predicate<T> ok) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = null;
    while (true) {
      try {
        T value = probe.get();
        if (ok.test(value)) {
          return value;
        }
        last = value;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        fail("condition did not hold within %s; last: %s", timeout, last);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
