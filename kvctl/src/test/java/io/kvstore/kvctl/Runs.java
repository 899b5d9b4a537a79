package io.kvstore.kvctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Runs kvctl in-process and etcdctl (and bin/kvctl) as processes. Stateless. */
final class Runs {
  private static final AtomicInteger SEQ = new AtomicInteger();

  private Runs() {}

  /** What a run printed and how it exited. */
  record Result(int code, String out, String err) {
    /** stderr without etcdctl's zap JSON log lines, which kvctl does not print. */
    String errNoLogs() {
      return err.lines().filter(l -> !l.startsWith("{\"level\""))
          .map(l -> l + "\n").collect(Collectors.joining());
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Result kvctl(String stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kvctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), env, false);
    return new Result(code, out.toString(StandardCharsets.ISO_8859_1),
        err.toString(StandardCharsets.ISO_8859_1));
  }

  static Result kvctl(String... args) {
    return kvctl("", Map.of(), args);
  }

  static Result etcdctlIn(Path dir, String stdin, String... args) {
    List<String> command = new ArrayList<>(List.of("/usr/bin/etcdctl"));
    command.addAll(List.of(args));
    return process(dir, command, stdin, Map.of("ETCDCTL_API", "3"));
  }

  static Result etcdctl(Path dir, String... args) {
    return etcdctlIn(dir, "", args);
  }

  static Result process(Path dir, List<String> command, String stdin, Map<String, String> env) {
    int n = SEQ.incrementAndGet();
    Path in = dir.resolve("run-" + n + ".in");
    Path out = dir.resolve("run-" + n + ".out");
    Path err = dir.resolve("run-" + n + ".err");
    try {
      Files.writeString(in, stdin);
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
          .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      Map<String, String> e = new HashMap<>(env);
      pb.environment().putAll(e);
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(command + " still runs after 120 s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
          Files.readString(err, StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
