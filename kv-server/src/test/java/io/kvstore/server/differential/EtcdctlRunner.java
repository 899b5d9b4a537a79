package io.kvstore.server.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the real {@code etcdctl} (v3 API) against one cluster's client endpoints, one process per
 * command line, and captures stdout, stderr and the exit code. Streams go through files in a work
 * directory rather than pipes, so a chatty or stuck process can never block on a full pipe; each
 * run is bounded by a deadline after which the process is killed and the result says so.
 *
 * <p>Thread-safe: runs share no mutable state except an atomic counter naming their files.
 */
final class EtcdctlRunner {
  /** The etcdctl binary: {@code -Ddifferential.etcdctl=PATH}, else {@code etcdctl} on the PATH. */
  static final String BINARY = System.getProperty("differential.etcdctl", "etcdctl");

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DIAL_TIMEOUT = Duration.ofSeconds(2);
  /** Bound on one process: above etcdctl's own dial plus command timeout. */
  private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(20);

  private final List<String> endpoints;
  private final Path workDir;
  private final AtomicInteger runs = new AtomicInteger();

  /**
   * A runner for the cluster serving {@code endpoints} ({@code host:port}), keeping the files of
   * its runs in {@code workDir}, which must exist.
   */
  EtcdctlRunner(List<String> endpoints, Path workDir) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    this.endpoints = List.copyOf(endpoints);
    this.workDir = workDir;
  }

  /** Runs {@code etcdctl <global flags> <args>} with nothing on stdin. */
  EtcdctlResult run(List<String> args) {
    return run(args, Optional.empty());
  }

  /** Runs {@code etcdctl <global flags> <args>}, feeding {@code stdin} if present. */
  EtcdctlResult run(List<String> args, Optional<String> stdin) {
    List<String> command = new ArrayList<>();
    command.add(BINARY);
    command.add("--endpoints=" + String.join(",", endpoints));
    command.add("--dial-timeout=" + DIAL_TIMEOUT.toSeconds() + "s");
    command.add("--command-timeout=" + COMMAND_TIMEOUT.toSeconds() + "s");
    command.addAll(args);
    String prefix = "etcdctl-" + runs.incrementAndGet();
    Path in = workDir.resolve(prefix + ".in");
    Path out = workDir.resolve(prefix + ".out");
    Path err = workDir.resolve(prefix + ".err");
    try {
      Files.writeString(in, stdin.orElse(""), StandardCharsets.UTF_8);
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectInput(in.toFile())
          .redirectOutput(Redirect.to(out.toFile()))
          .redirectError(Redirect.to(err.toFile()));
      environment(builder.environment());
      Process process = builder.start();
      int exitCode = awaitExit(process);
      return new EtcdctlResult(Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8), exitCode);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    }
  }

  /** The v3 API, and no ETCDCTL_* variable of the caller's that could change the flags. */
  private static void environment(Map<String, String> env) {
    env.keySet().removeIf(name -> name.startsWith("ETCDCTL_"));
    env.put("ETCDCTL_API", "3");
  }

  /** The exit code, or {@link EtcdctlResult#TIMED_OUT} after killing a process past its bound. */
  private static int awaitExit(Process process) {
    try {
      if (process.waitFor(PROCESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        return process.exitValue();
      }
      process.destroyForcibly();
      process.waitFor();
      return EtcdctlResult.TIMED_OUT;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcdctl", e);
    }
  }

  /**
   * Fails with a clear message unless {@link #BINARY} runs and reports API version 3.4, the
   * version whose output the differential scripts were written against.
   */
  static void requireEtcdctl34(Path workDir) {
    String needed = "the differential suite needs etcdctl 3.4 ('" + BINARY + "'; set"
        + " -Ddifferential.etcdctl=PATH or install Debian's etcd-client, as .ci/run does)";
    EtcdctlResult version;
    try {
      version = new EtcdctlRunner(List.of("127.0.0.1:1"), workDir).run(List.of("version"));
    } catch (UncheckedIOException e) {
      throw new IllegalStateException(needed + ", but it does not start: " + e.getMessage(), e);
    }
    if (version.exitCode() != 0 || !version.stdout().contains("API version: 3.4")) {
      throw new IllegalStateException(needed + ", but 'etcdctl version' exited "
          + version.exitCode() + ": " + version.stdout() + version.stderr());
    }
  }
}
