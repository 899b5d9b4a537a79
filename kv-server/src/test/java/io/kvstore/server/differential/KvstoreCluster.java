package io.kvstore.server.differential;

import io.kvstore.server.process.Leadership;
import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.ServerLauncher;
import io.kvstore.server.process.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A three-member kvstore cluster of real kv-server JVMs, started from the test classpath by the
 * process tests' {@link ServerLauncher} with {@link MemberFlags} (members {@code m1..m3}, client
 * and peer ports from {@code FreePorts}, etcd-style flags), ready once every member logged that
 * it serves clients and all agree on one leader. The members run with etcd's default heartbeat
 * and election timeout, as the reference etcd does, rather than the process tests' short ones:
 * the minimum lease TTL follows from them (etcd: 1.5 election timeouts, rounded up to seconds).
 *
 * <p>Thread-safety: confined to the thread that started it, except {@link #close}, which is
 * idempotent and also runs from a JVM shutdown hook so that an aborted run leaves no JVM behind.
 */
final class KvstoreCluster implements TestCluster {
  private static final int MEMBERS = 3;
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(40);
  /** etcd's defaults, as {@code reference-etcd.sh} runs etcd. */
  private static final List<String> ETCD_TIMING =
      List.of("--heartbeat-interval", "100", "--election-timeout", "1000");

  private final ServerLauncher launcher;
  private final List<MemberFlags> members;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook;

  private KvstoreCluster(ServerLauncher launcher, List<MemberFlags> members) {
    this.launcher = launcher;
    this.members = List.copyOf(members);
    this.shutdownHook = new Thread(this::stop, "kvstore-cluster-stop");
  }

  /**
   * Starts a fresh cluster with data dirs and logs in {@code dir} and returns once it is ready;
   * on failure kills whatever started and rethrows.
   */
  static KvstoreCluster start(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<MemberFlags> flags = new ArrayList<>();
    for (int i = 1; i <= MEMBERS; i++) {
      flags.add(MemberFlags.of("m" + i, dir));
    }
    KvstoreCluster cluster = new KvstoreCluster(new ServerLauncher(dir), flags);
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      List<ServerProcess> processes = new ArrayList<>();
      for (MemberFlags member : flags) {
        processes.add(cluster.launcher.start(member.name(),
            withEtcdTiming(member.flags(flags))));
      }
      for (ServerProcess process : processes) {
        process.awaitLine(READY, WAIT);
      }
      Leadership.awaitAgreement(processes, 0, WAIT);
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code flags} with the timing flags' values replaced by {@link #ETCD_TIMING}'s. */
  private static List<String> withEtcdTiming(List<String> flags) {
    List<String> out = new ArrayList<>(flags);
    for (int i = 0; i < ETCD_TIMING.size(); i += 2) {
      int at = out.indexOf(ETCD_TIMING.get(i));
      if (at >= 0) {
        out.remove(at + 1);
        out.remove(at);
      }
      out.add(ETCD_TIMING.get(i));
      out.add(ETCD_TIMING.get(i + 1));
    }
    return out;
  }

  @Override
  public String kind() {
    return "kvstore";
  }

  @Override
  public List<String> clientAddresses() {
    return members.stream().map(m -> "127.0.0.1:" + m.clientPort()).toList();
  }

  @Override
  public List<String> peerAddresses() {
    return members.stream().map(m -> "127.0.0.1:" + m.peerPort()).toList();
  }

  /** Kills every member (SIGKILL) and waits until each is gone. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs or has run stop() itself
    }
  }

  private void stop() {
    if (closed.compareAndSet(false, true)) {
      launcher.close();
    }
  }
}
