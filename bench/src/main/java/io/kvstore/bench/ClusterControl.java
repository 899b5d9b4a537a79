package io.kvstore.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.RangeRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts and stops one local three-member cluster for compare through its own script: real etcd
 * through {@code reference-etcd.sh}, kvstore through {@code bin/kv-cluster}, each in a data
 * directory of its own, and reads each member's pid from the script's pid files (for RSS and
 * for a restart). Stops only what it started. Not thread-safe.
 */
abstract class ClusterControl {
  static final int MEMBERS = 3;
  private static final long SCRIPT_TIMEOUT_S = 180;

  final String name;
  final Path dataDir;
  final int basePort;

  ClusterControl(String name, Path dataDir, int basePort) {
    this.name = name;
    this.dataDir = dataDir;
    this.basePort = basePort;
  }

  /** Member {@code i}'s client endpoint (both scripts space members 10 ports apart). */
  String endpoint(int i) {
    return "127.0.0.1:" + (basePort + 10 * i);
  }

  List<String> endpoints() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      out.add(endpoint(i));
    }
    return out;
  }

  /** Starts the members and waits until the script says they serve. */
  abstract void start();

  /** Stops the members (SIGTERM through the script), keeping their data. */
  abstract void stopKeepData();

  /** Stops the members and deletes their data. */
  abstract void stopAndWipe();

  /** Member {@code i}'s pid, from the script's pid file. */
  abstract long pid(int i);

  /** The command line that {@link #start} runs, for the report. */
  abstract String startCommand();

  /** Resident set size of member {@code i} in bytes, from /proc; -1 if unknown. */
  long rss(int i) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid(i) + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          Matcher m = Pattern.compile("(\\d+)").matcher(line);
          if (m.find()) {
            return Long.parseLong(m.group(1)) * 1024;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /**
   * Restarts the stopped members with their data and returns the nanoseconds from launching the
   * start script to the moment a linearizable read succeeds on every member (polled every 50 ms,
   * the same probe for both sides).
   */
  long restartTimed() {
    prepareRestart();
    long t0 = System.nanoTime();
    Process p = launch(startArgs());
    try {
      boolean[] ready = new boolean[MEMBERS];
      int left = MEMBERS;
      long deadline = t0 + TimeUnit.SECONDS.toNanos(SCRIPT_TIMEOUT_S);
      while (left > 0) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(name + " was not ready within " + SCRIPT_TIMEOUT_S + " s");
        }
        if (!p.isAlive() && p.exitValue() != 0) {
          finish(p, "restart"); // throws, with the script's status and log
        }
        for (int i = 0; i < MEMBERS; i++) {
          if (!ready[i] && readable(endpoint(i))) {
            ready[i] = true;
            left--;
          }
        }
        if (left > 0) {
          Thread.sleep(50);
        }
      }
      long took = System.nanoTime() - t0;
      finish(p, "restart");
      return took;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroy();
      throw new IllegalStateException("interrupted", e);
    }
  }

  abstract List<String> startArgs();

  /** Work that must not be timed as part of a restart (kvstore: a pending build). */
  void prepareRestart() {}

  private static boolean readable(String endpoint) {
    InetSocketAddress a = Endpoints.parse(endpoint);
    ManagedChannel ch = NettyChannelBuilder.forAddress(a.getHostString(), a.getPort())
        .usePlaintext().build();
    try {
      KVGrpc.newBlockingStub(ch).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
          .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("ready"))
              .build());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      ch.shutdownNow();
    }
  }

  /** Runs a script to completion within the timeout; returns its stdout; throws if it failed. */
  String runScript(List<String> command, String what) {
    Process p = launch(command);
    return finish(p, what);
  }

  private Process launch(List<String> command) {
    try {
      Files.createDirectories(dataDir.getParent());
      return new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.appendTo(
              dataDir.getParent().resolve(name + "-scripts.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    }
  }

  private String finish(Process p, String what) {
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(SCRIPT_TIMEOUT_S, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(name + " " + what + " did not finish within "
            + SCRIPT_TIMEOUT_S + " s");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(name + " " + what + " failed with status "
            + p.exitValue() + "; see " + dataDir.getParent().resolve(name + "-scripts.log")
            + "\n" + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A base port whose six ports (client and peer of three members) are all free, < 32768. */
  static int freeBasePort(int avoid) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + 100 * ThreadLocalRandom.current().nextInt(100);
      if (Math.abs(base - avoid) < 100) {
        continue;
      }
      boolean free = true;
      for (int i = 0; i < MEMBERS && free; i++) {
        free = bindable(base + 10 * i) && bindable(base + 10 * i + 1);
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free base port found in 20000..29999");
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Real etcd through {@code reference-etcd.sh start|stop}. */
  static final class Etcd extends ClusterControl {
    private final Path script;

    Etcd(Path script, Path dataDir, int basePort) {
      super("etcd", dataDir, basePort);
      this.script = script;
    }

    @Override
    List<String> startArgs() {
      return List.of("bash", script.toString(), "start", String.valueOf(MEMBERS),
          String.valueOf(basePort), dataDir.toString());
    }

    @Override
    String startCommand() {
      return "reference-etcd.sh start " + MEMBERS + " " + basePort + " <fresh dir>";
    }

    @Override
    void start() {
      runScript(startArgs(), "start");
    }

    @Override
    long pid(int i) {
      return readPid(dataDir.resolve("ref" + (i + 1) + ".pid"));
    }

    @Override
    void stopKeepData() {
      // The script's stop deletes the data; for a restart, stop our own members by pid.
      List<ProcessHandle> handles = new ArrayList<>();
      for (int i = 0; i < MEMBERS; i++) {
        ProcessHandle.of(pid(i)).ifPresent(h -> {
          h.destroy();
          handles.add(h);
        });
      }
      for (ProcessHandle h : handles) {
        try {
          h.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          h.destroyForcibly();
        }
      }
    }

    @Override
    void stopAndWipe() {
      runScript(List.of("bash", script.toString(), "stop", dataDir.toString()), "stop");
    }
  }

  /** kvstore through {@code bin/kv-cluster up|down}. */
  static final class Kvstore extends ClusterControl {
    private final Path root;

    Kvstore(Path root, Path dataDir, int basePort) {
      super("kvstore", dataDir, basePort);
      this.root = root;
    }

    @Override
    List<String> startArgs() {
      return List.of(root.resolve("bin/kv-cluster").toString(), "up", "--base-port",
          String.valueOf(basePort), "--data-dir", dataDir.toString());
    }

    @Override
    String startCommand() {
      return "bin/kv-cluster up --base-port " + basePort + " --data-dir <fresh dir> --wipe";
    }

    @Override
    void start() {
      ensureBuilt();
      List<String> args = new ArrayList<>(startArgs());
      args.add("--wipe");
      runScript(args, "start");
    }

    @Override
    void prepareRestart() {
      ensureBuilt();
    }

    /** Builds kv-server if needed now, so that no build lands inside a timed restart. */
    void ensureBuilt() {
      runScript(List.of(root.resolve("bin/kv-server").toString(), "--version"), "build check");
    }

    @Override
    long pid(int i) {
      return readPid(dataDir.resolve("m" + (i + 1) + ".pid"));
    }

    @Override
    void stopKeepData() {
      runScript(List.of(root.resolve("bin/kv-cluster").toString(), "down", "--data-dir",
          dataDir.toString()), "stop");
    }

    @Override
    void stopAndWipe() {
      runScript(List.of(root.resolve("bin/kv-cluster").toString(), "down", "--data-dir",
          dataDir.toString(), "--wipe"), "stop");
    }
  }

  static long readPid(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
