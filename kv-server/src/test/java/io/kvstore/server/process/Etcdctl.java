package io.kvstore.server.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the installed etcdctl (v3 API) and returns its exit status with stdout and stderr merged,
 * through a file so a chatty process never blocks on a pipe. Confined to the test thread.
 */
final class Etcdctl {
  private static final AtomicInteger RUNS = new AtomicInteger();
  private final Path workDir;

  Etcdctl(Path workDir) {
    this.workDir = workDir;
  }

  /** What one run printed and how it exited. Immutable. */
  record Result(int status, String output) {}

  Result run(List<String> endpoints, String... args) {
    List<String> command = new ArrayList<>(List.of("etcdctl",
        "--endpoints=" + String.join(",", endpoints), "--dial-timeout=3s",
        "--command-timeout=10s"));
    command.addAll(List.of(args));
    Path out = workDir.resolve("etcdctl-" + RUNS.incrementAndGet() + ".out");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).directory(workDir.toFile());
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
