package io.kvstore.kvctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs the long-running commands (watch, elect, lock) of kvctl in a thread and of etcdctl as a
 * process, collecting their stdout until it satisfies a condition (polled every 20 ms up to a
 * deadline), then stops them: kvctl by interrupting its thread (what Ctrl-C does to it), etcdctl
 * by killing it.
 */
final class Watching {
  private static final long DEADLINE_MS = 30_000;

  private Watching() {}

  /** A kvctl command running in a thread of the test. */
  static final class InProcess {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Thread thread;
    private volatile int code = -1;

    InProcess(String... args) {
      PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
      thread = new Thread(() -> code = Kvctl.run(args, ps, ps, new ByteArrayInputStream(
          new byte[0]), Map.of(), false), "kvctl-under-test");
      thread.setDaemon(true);
      thread.start();
    }

    String text() {
      synchronized (out) {
        return out.toString(StandardCharsets.UTF_8);
      }
    }

    /** Waits until {@code lines} complete lines were printed; returns them. */
    List<String> await(int lines) {
      String t = until(this::text, s -> s.lines().count() >= lines && s.endsWith("\n"),
          "kvctl");
      return t.lines().limit(lines).toList();
    }

    String awaitText(Predicate<String> done) {
      return until(this::text, done, "kvctl");
    }

    /** Ctrl-C: interrupts the command and waits for it to end; returns its exit code. */
    int interrupt() {
      thread.interrupt();
      try {
        thread.join(DEADLINE_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        throw new AssertionError("kvctl still runs after an interrupt");
      }
      return code;
    }
  }

  static InProcess start(String... args) {
    return new InProcess(args);
  }

  private static String until(java.util.function.Supplier<String> text, Predicate<String> done,
      String what) {
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    while (true) {
      String t = text.get();
      if (done.test(t)) {
        return t;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(what + " did not print what was expected within "
            + DEADLINE_MS + " ms; printed:\n" + t);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** kvctl's output until it has {@code lines} lines. */
  static String kvctl(int lines, String... args) {
    InProcess p = start(args);
    List<String> got = p.await(lines);
    p.interrupt();
    return String.join("\n", got) + "\n";
  }

  /** etcdctl's first {@code lines} lines of stdout. */
  static List<String> etcdctlLines(Path dir, int lines, String... args) {
    List<String> command = new ArrayList<>(List.of("/usr/bin/etcdctl"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("ETCDCTL_API", "3");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread reader = new Thread(() -> {
      try (InputStream in = p.getInputStream()) {
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (out) {
            out.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        // the process was killed
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      String t = until(() -> {
        synchronized (out) {
          return out.toString(StandardCharsets.UTF_8);
        }
      }, s -> s.lines().count() >= lines && s.endsWith("\n"), "etcdctl");
      return t.lines().limit(lines).toList();
    } finally {
      p.destroyForcibly();
    }
  }

  static String etcdctl(Path dir, int lines, String... args) {
    return String.join("\n", etcdctlLines(dir, lines, args)) + "\n";
  }
}
