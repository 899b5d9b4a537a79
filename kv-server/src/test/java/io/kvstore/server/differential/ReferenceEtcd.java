package io.kvstore.server.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A three-member real etcd cluster on 127.0.0.1, started and stopped by the shared {@code
 * reference-etcd.sh} script: member {@code i} serves clients on {@code base + 10(i-1)} and peers on
 * the port above. The base port is picked at random in 30000–32746, above the range the process
 * tests' {@code FreePorts} hands out and below Linux's ephemeral ports, and is probed first; a
 * start that still finds a port taken is retried on another base.
 *
 * <p>Thread-safety: confined to the thread that started it, except {@link #close}, which is
 * idempotent and also runs from a JVM shutdown hook so that an aborted test run leaves no etcd
 * behind.
 */
final class ReferenceEtcd implements TestCluster {
  private static final int MEMBERS = 3;
  private static final int LOWEST_BASE = 30_000;
  /** The highest base whose last port, {@code base + 10(MEMBERS-1) + 1}, is below 32768. */
  private static final int HIGHEST_BASE = 32_767 - 10 * (MEMBERS - 1) - 1;
  private static final int ATTEMPTS = 5;
  /** The script waits up to 30 s for health; this bounds the script process itself. */
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(45);
  private static final int LOG_TAIL_LINES = 15;

  private final Path script;
  private final Path dir;
  private final int base;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook;

  private ReferenceEtcd(Path script, Path dir, int base) {
    this.script = script;
    this.dir = dir;
    this.base = base;
    this.shutdownHook = new Thread(this::stop, "reference-etcd-stop");
  }

  /**
   * Starts a fresh cluster with its data and logs in {@code dir} (created by the script, deleted
   * on {@link #close}) and returns once etcdctl finds it healthy; on failure stops whatever
   * started and throws with the script's and the members' last words.
   */
  static ReferenceEtcd start(Path dir) {
    Path script = locateScript();
    String lastFailure = "";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      int base = freeBase();
      ReferenceEtcd cluster = new ReferenceEtcd(script, dir, base);
      Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
      ScriptRun run = cluster.runScript("start", String.valueOf(MEMBERS), String.valueOf(base),
          dir.toString());
      if (run.exitCode == 0) {
        return cluster;
      }
      lastFailure = "reference-etcd.sh start on base port " + base + " exited " + run.exitCode
          + ": " + run.stderr + cluster.logTails();
      cluster.close();
      if (!run.stderr.contains("already in use")) {
        break;
      }
    }
    throw new IllegalStateException("cannot start the reference etcd cluster in " + dir + "; "
        + lastFailure);
  }

  @Override
  public String kind() {
    return "etcd";
  }

  @Override
  public List<String> clientAddresses() {
    return ports(0);
  }

  @Override
  public List<String> peerAddresses() {
    return ports(1);
  }

  /** Runs {@code reference-etcd.sh stop <dir>} once: kills the members, waits, deletes dir. */
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
      ScriptRun run = runScript("stop", dir.toString());
      if (run.exitCode != 0) {
        System.err.println("reference-etcd.sh stop " + dir + " exited " + run.exitCode + ": "
            + run.stderr);
      }
    }
  }

  private List<String> ports(int offset) {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      addresses.add("127.0.0.1:" + (base + 10 * i + offset));
    }
    return addresses;
  }

  /**
   * {@code ../shared/tools/reference-etcd.sh} next to the repository root (the nearest ancestor of
   * the working directory holding {@code pom.xml} and {@code kv-server/}), or the file named by
   * {@code -Ddifferential.referenceEtcd=PATH}.
   */
  static Path locateScript() {
    String override = System.getProperty("differential.referenceEtcd");
    Path script;
    if (override != null) {
      script = Path.of(override).toAbsolutePath();
    } else {
      Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
      while (root != null && !(Files.isRegularFile(root.resolve("pom.xml"))
          && Files.isDirectory(root.resolve("kv-server")))) {
        root = root.getParent();
      }
      if (root == null || root.getParent() == null) {
        throw new IllegalStateException("cannot find the repository root above "
            + System.getProperty("user.dir") + " to locate ../shared/tools/reference-etcd.sh;"
            + " pass -Ddifferential.referenceEtcd=PATH");
      }
      script = root.getParent().resolve("shared/tools/reference-etcd.sh");
    }
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("the differential suite starts real etcd with " + script
          + ", which does not exist: check out the shared tools next to the repository (as"
          + " ../shared) or pass -Ddifferential.referenceEtcd=PATH");
    }
    return script;
  }

  /** A base port whose client and peer ports for every member were free a moment ago. */
  private static int freeBase() {
    int span = HIGHEST_BASE - LOWEST_BASE + 1;
    for (int tries = 0; tries < 200; tries++) {
      int base = LOWEST_BASE + ThreadLocalRandom.current().nextInt(span);
      boolean free = true;
      for (int i = 0; i < MEMBERS && free; i++) {
        free = bindable(base + 10 * i) && bindable(base + 10 * i + 1);
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free base port in " + LOWEST_BASE + ".." + HIGHEST_BASE);
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The exit code and stderr of one script run. */
  private record ScriptRun(int exitCode, String stderr) {}

  /**
   * Runs the script with {@code args}, its output in files beside {@code dir} (which {@code stop}
   * deletes), killing it at {@link #SCRIPT_TIMEOUT}.
   */
  private ScriptRun runScript(String... args) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(Arrays.asList(args));
    Path out = dir.resolveSibling(dir.getFileName() + "-" + args[0] + ".out");
    Path err = dir.resolveSibling(dir.getFileName() + "-" + args[0] + ".err");
    try {
      Process process = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      int exitCode;
      if (process.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        exitCode = process.exitValue();
      } else {
        process.destroyForcibly();
        process.waitFor();
        exitCode = -1;
        Files.writeString(err, "\n(killed after " + SCRIPT_TIMEOUT.toSeconds() + " s)",
            StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      }
      return new ScriptRun(exitCode, Files.readString(err, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  /** The last lines of every member's log, for a failed start; empty if there are none. */
  private String logTails() {
    if (!Files.isDirectory(dir)) {
      return "";
    }
    StringBuilder tails = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        tails.append("\n--- last lines of ").append(log).append(" ---\n").append(String.join(
            "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())));
      }
    } catch (IOException | UncheckedIOException e) {
      tails.append("\n(cannot read the member logs: ").append(e).append(')');
    }
    return tails.toString();
  }
}
