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
 * run is bounded by a deadline after which the process is killed and the result says so. A
 * command that does not end by itself ({@code watch}) runs under a {@link Step.Bound}: it is
 * stopped (SIGTERM, then SIGKILL) once it printed the lines its step expects or at the bound.
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
  /** How often a bounded run's output is looked at. */
  private static final Duration POLL = Duration.ofMillis(20);
  /**
   * How long a bounded run may go on printing after it printed the expected lines, so that a
   * surplus (a duplicated event) shows in the comparison rather than being cut off.
   */
  private static final Duration GRACE = Duration.ofMillis(250);
  /** Before background commands: time for a watch to be established, so most events are live. */
  private static final Duration BACKGROUND_DELAY = Duration.ofMillis(300);
  /** How long a stopped process gets between SIGTERM and SIGKILL. */
  private static final Duration TERM_GRACE = Duration.ofSeconds(2);

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
    return run(args, stdin, Optional.empty(), Optional.empty(), List.of());
  }

  /**
   * Runs {@code etcdctl <global flags> <args>}, feeding {@code stdin} if present, against the
   * endpoint at index {@code endpoint} only if present, else every endpoint; under {@code bound}
   * if present, running the {@code background} commands once it started.
   */
  EtcdctlResult run(List<String> args, Optional<String> stdin, Optional<Integer> endpoint,
      Optional<Step.Bound> bound, List<List<String>> background) {
    List<String> command = new ArrayList<>();
    command.add(BINARY);
    command.add("--endpoints=" + endpoint.map(endpoints::get)
        .orElse(String.join(",", endpoints)));
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
      int exitCode = bound.isPresent() ? awaitBound(process, out, bound.get(), background)
          : awaitExit(process);
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
   * Waits for a bounded run: runs the background commands, then waits until the process exits
   * (its exit code), printed the expected lines ({@link EtcdctlResult#STOPPED} after {@link
   * #GRACE}) or reaches its bound (stopped: {@code STOPPED} if it printed enough, else {@link
   * EtcdctlResult#TIMED_OUT}).
   */
  private int awaitBound(Process process, Path out, Step.Bound bound,
      List<List<String>> background) throws IOException {
    try {
      if (!background.isEmpty()) {
        Thread.sleep(BACKGROUND_DELAY.toMillis());
        for (List<String> command : background) {
          run(command);
        }
      }
      long deadline = System.nanoTime() + bound.max().toNanos();
      while (true) {
        if (process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          return process.exitValue();
        }
        long lines = lines(out);
        if (bound.lines() > 0 && lines >= bound.lines()) {
          if (process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
          }
          stop(process);
          return EtcdctlResult.STOPPED;
        }
        if (System.nanoTime() - deadline > 0) {
          stop(process);
          return lines >= bound.lines() ? EtcdctlResult.STOPPED : EtcdctlResult.TIMED_OUT;
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcdctl", e);
    }
  }

  private static long lines(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    long lines = 0;
    for (byte b : bytes) {
      if (b == '\n') {
        lines++;
      }
    }
    return lines;
  }

  /** SIGTERM, then SIGKILL if the process is still there after {@link #TERM_GRACE}. */
  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor();
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
