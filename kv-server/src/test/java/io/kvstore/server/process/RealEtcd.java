package io.kvstore.server.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real etcd 3.4 member ({@code /usr/bin/etcd}) on 127.0.0.1, as the only member of its
 * cluster, for the snapshot migration tests: started on two ports below 32768, waited for until
 * etcdctl finds it healthy (bounded), and killed by its process id on {@link #close}.
 *
 * <p>Thread-safety: confined to the test that started it; {@link #close} is idempotent.
 */
public final class RealEtcd implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(40);

  private final Process process;
  private final int clientPort;
  private final Path log;

  private RealEtcd(Process process, int clientPort, Path log) {
    this.process = process;
    this.clientPort = clientPort;
    this.log = log;
  }

  /**
   * Starts member {@code name} with its data in {@code dataDir} (a fresh or restored etcd data
   * directory) and its log in {@code <workDir>/<name>.etcd.log}; the peer URL is {@code
   * http://127.0.0.1:<peerPort>}, as a restore must have been told.
   */
  public static RealEtcd start(Path workDir, String name, Path dataDir, int peerPort,
      int clientPort) {
    String peer = "http://127.0.0.1:" + peerPort;
    String client = "http://127.0.0.1:" + clientPort;
    Path log = workDir.resolve(name + ".etcd.log");
    ProcessBuilder pb = new ProcessBuilder(List.of("/usr/bin/etcd", "--name", name,
        "--data-dir", dataDir.toString(), "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer, "--listen-client-urls", client,
        "--advertise-client-urls", client, "--initial-cluster", name + "=" + peer,
        "--initial-cluster-state", "new", "--heartbeat-interval", "50",
        "--election-timeout", "500"))
        .directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()));
    RealEtcd etcd;
    try {
      etcd = new RealEtcd(pb.start(), clientPort, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start /usr/bin/etcd", e);
    }
    try {
      etcd.awaitHealthy(workDir);
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  public String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  private void awaitHealthy(Path workDir) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Path out = workDir.resolve("etcd-health.out");
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd exited with " + process.exitValue() + ": "
            + tail());
      }
      try {
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/etcdctl", "--endpoints=" + endpoint(),
            "--dial-timeout=1s", "--command-timeout=2s", "endpoint", "health")
            .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return;
        }
        p.destroyForcibly();
        Thread.sleep(200);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("etcd did not become healthy within " + START_TIMEOUT + ": "
        + tail());
  }

  /** The last lines of the member's log. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Kills the member (by its process id) and waits until it is gone. */
  @Override
  public void close() {
    ProcessHandle handle = process.toHandle();
    handle.destroyForcibly();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
