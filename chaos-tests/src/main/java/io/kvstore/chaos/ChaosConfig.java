package io.kvstore.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One run's settings. Each can be overridden by a system property {@code chaos.<field>} (Surefire
 * passes {@code -D} options of the Maven command line through), so an operator can run the same
 * test longer or harder; see docs/chaos.md. Immutable.
 *
 * @param name the run's name, its directory under {@code outputDir}
 * @param nodes 3 or 5
 * @param duration how long the workloads run under faults (then heal, finish, check)
 * @param interval quiet time between faults, and how long each fault is held
 * @param nemeses fault names (see {@link io.kvstore.chaos.nemesis.Nemeses}); empty: none
 * @param workloads workload names: register, append, watch, watch-compact, election, lease
 * @param concurrency worker threads per workload
 * @param seed seeds every random choice of the run (fault order, victims, operations)
 * @param memberFlags extra kv-server flags
 * @param callTimeout the clients' deadline per call
 * @param checkTimeout the linearizability checker's budget; running out fails the run
 * @param outputDir where results go
 */
public record ChaosConfig(String name, int nodes, Duration duration, Duration interval,
    List<String> nemeses, List<String> workloads, int concurrency, long seed,
    List<String> memberFlags, Duration callTimeout, Duration checkTimeout, Path outputDir) {

  public ChaosConfig {
    nemeses = List.copyOf(nemeses);
    workloads = List.copyOf(workloads);
    memberFlags = List.copyOf(memberFlags);
  }

  /** A config with the given defaults, overridden by {@code chaos.*} system properties. */
  public static ChaosConfig of(String name, int nodes, Duration duration,
      List<String> nemeses, List<String> workloads, List<String> memberFlags) {
    String seedProp = System.getProperty("chaos.seed");
    long seed = seedProp == null || seedProp.isBlank() ? System.nanoTime() : Long.parseLong(seedProp);
    List<String> flags = new ArrayList<>(memberFlags);
    String extraFlags = System.getProperty("chaos.memberFlags");
    if (extraFlags != null && !extraFlags.isBlank()) {
      flags.addAll(Arrays.asList(extraFlags.trim().split("\\s+")));
    }
    return new ChaosConfig(name,
        Integer.getInteger("chaos.nodes", nodes),
        duration(System.getProperty("chaos.duration"), duration),
        duration(System.getProperty("chaos.interval"), Duration.ofSeconds(5)),
        list(System.getProperty("chaos.nemeses"), nemeses),
        list(System.getProperty("chaos.workloads"), workloads),
        Integer.getInteger("chaos.concurrency", 4),
        seed, flags,
        duration(System.getProperty("chaos.callTimeout"), Duration.ofSeconds(3)),
        duration(System.getProperty("chaos.checkTimeout"), Duration.ofSeconds(60)),
        Path.of(System.getProperty("chaos.outputDir", "target/chaos")));
  }

  /** {@code 90s}, {@code 10m}, {@code 1h}, {@code 500ms} or ISO-8601 ({@code PT90S}). */
  static Duration duration(String text, Duration fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.startsWith("pt")) {
      return Duration.parse(t);
    }
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofSeconds(Long.parseLong(t));
    };
  }

  private static List<String> list(String text, List<String> fallback) {
    if (text == null) {
      return fallback;
    }
    return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
