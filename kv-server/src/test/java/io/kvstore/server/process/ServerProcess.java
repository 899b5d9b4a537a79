package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One kv-server JVM started by a test, whose log (stderr, where slf4j-simple writes, and unless
 * asked otherwise also stdout) goes to a file. Waits poll the file every {@value #POLL_MS} ms up to
 * a deadline and fail with the log's tail, so a test never sleeps and hopes.
 *
 * <p>Thread-safety: confined to the test thread that started it.
 */
public final class ServerProcess {
  private static final long POLL_MS = 50;
  private static final int TAIL_LINES = 30;

  private final String name;
  private final Process process;
  private final Path log;

  ServerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** The complete lines of the log so far; a line still being written is left out. */
  List<String> lines() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      return end < 0 ? List.of() : text.substring(0, end).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until a log line contains a match of {@code pattern} and returns the first such line;
   * fails if the process exits without logging one or the timeout passes.
   */
  public String awaitLine(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean exited = !process.isAlive();
      Optional<String> line = lines().stream().filter(l -> pattern.matcher(l).find()).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      if (exited) {
        fail("%s exited with status %d before logging /%s/%n%s", name, process.exitValue(),
            pattern, tail());
      }
      if (System.nanoTime() - deadline > 0) {
        fail("%s logged no /%s/ within %s%n%s", name, pattern, timeout, tail());
      }
      pause();
    }
  }

  /** Waits for the process to exit and returns its status; fails if it runs past the timeout. */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("%s still runs after %s%n%s", name, timeout, tail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + name, e);
    }
  }

  /** Sends SIGTERM (on Linux {@link Process#destroy} does), without waiting. */
  void terminate() {
    process.destroy();
  }

  /** Sends SIGKILL and waits until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing " + name, e);
    }
  }

  /** The last lines of the log, headed by its path, for failure messages. */
  String tail() {
    List<String> lines = lines();
    return "--- last lines of " + log + " ---\n"
        + String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
  }

  /** Sleeps one poll interval between two looks at the log. */
  static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while polling", e);
    }
  }
}
