package io.kvstore.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One {@link ActivePassiveScheduler} replica in a JVM of its own, started from the test's
 * classpath, whose {@code EVENT} lines are collected as they come; it can be killed, paused and
 * resumed like a real process (SIGKILL, SIGSTOP, SIGCONT).
 *
 * <p>Thread-safety: {@link #events} may be read from any thread while a reader thread appends.
 */
final class ReplicaProcess implements AutoCloseable {
  /** One event line: {@code EVENT <epoch-ms> <kind> <args...>}. Immutable. */
  record Event(String replica, long atMillis, String kind, List<String> args) {}

  final String identity;
  private final Process process;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  ReplicaProcess(String identity, List<String> endpoints, Path log) {
    this.identity = identity;
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        ActivePassiveScheduler.class.getName(),
        "--identity=" + identity, "--endpoints=" + String.join(",", endpoints),
        "--lease-duration=2s", "--renew-deadline=1500ms", "--retry-period=250ms"));
    try {
      process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread reader = new Thread(this::read, "replica-" + identity);
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] parts = line.split(" ");
        if (parts.length >= 3 && parts[0].equals("EVENT")) {
          events.add(new Event(identity, Long.parseLong(parts[1]), parts[2],
              List.of(parts).subList(3, parts.length)));
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  boolean leadsNow() {
    List<Event> es = events();
    for (int i = es.size() - 1; i >= 0; i--) {
      String kind = es.get(i).kind();
      if (kind.equals("STARTED")) {
        return true;
      }
      if (kind.equals("STOPPED")) {
        return false;
      }
    }
    return false;
  }

  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void pause() {
    signal("STOP");
  }

  void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
          .inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      resume();
      kill();
    }
  }
}
