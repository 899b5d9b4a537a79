package io.kvstore.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kv-bench compare}: starts a three-member real etcd ({@code reference-etcd.sh}) and a
 * three-member kvstore ({@code bin/kv-cluster}), each in fresh data directories on free ports,
 * runs every workload against each in alternation (etcd then kvstore, per workload, per round),
 * sweeps put and range over 1, 10, 50 and 100 clients, then measures memory after loading
 * {@code --memory-keys} keys and the time from restart to ready on fresh clusters, stops both
 * (only what it started) and writes {@code docs/benchmarks-kv-bench.md} with plots in {@code
 * docs/img}. The full run takes about 15 minutes; {@code --quick} about two.
 *
 * <p>Thread-safety: one run per instance.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Runs every workload against a fresh 3-member etcd and a fresh 3-member kvstore"
        + " in alternation and writes docs/benchmarks-kv-bench.md with plots in docs/img."})
final class Compare implements Callable<Integer> {
  /** What a workload's ratio compares. */
  enum Metric { THROUGHPUT, P50, P99 }

  static final String ETCD = "etcd";
  static final String KVSTORE = "kvstore";
  static final int[] SWEEP_CLIENTS = {1, 10, 50, 100};
  private static final int RANGE_KEYS = 10_000;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--rounds", description = "Rounds of every workload (default: 3; --quick: 1).")
  Integer rounds;

  @Option(names = "--quick", description = "Short runs (about two minutes in all) to check that everything works.")
  boolean quick;

  @Option(names = "--duration", paramLabel = "DURATION", description = "Length of each measured run (default: 8s; --quick: 2s).")
  String duration;

  @Option(names = "--sweep-duration", paramLabel = "DURATION", description = "Length of each run of the clients sweep (default: 4s; --quick: 1s).")
  String sweepDuration;

  @Option(names = "--memory-keys", description = "Keys loaded before measuring RSS and restart time; 0 skips (default: 1000000; --quick: 20000).")
  Long memoryKeys;

  @Option(names = "--watchers", description = "Watchers of the watch workload (default: 1000; --quick: 100).")
  Integer watchers;

  @Option(names = "--out", paramLabel = "FILE", description = "Report (default: docs/benchmarks-kv-bench.md in the repository).")
  Path out;

  @Option(names = "--img-dir", paramLabel = "DIR", description = "Plots (default: docs/img in the repository).")
  Path imgDir;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the clusters' data goes (default: a new directory under /tmp).")
  Path workDir;

  @Option(names = "--etcd-script", paramLabel = "FILE", description = "reference-etcd.sh (default: ../shared/tools/reference-etcd.sh beside the repository, else /work/shared/tools/reference-etcd.sh).")
  Path etcdScript;

  /** One workload of the comparison: a kv-bench command line without endpoints. */
  record Workload(String id, String title, Metric metric, List<String> args) {}

  /** One measured run. */
  record Run(String workload, String side, int round, int clients, Result result) {}

  /** The resolved settings of this run. */
  record Plan(int rounds, Duration duration, Duration sweep, Duration warmup, long memoryKeys,
      int watchers, boolean quick) {}

  Plan plan() {
    Plan p = new Plan(rounds != null ? rounds : quick ? 1 : 3,
        LoadOptions.parseDuration("--duration", duration != null ? duration : quick ? "2s" : "8s"),
        LoadOptions.parseDuration("--sweep-duration",
            sweepDuration != null ? sweepDuration : quick ? "1s" : "4s"),
        quick ? Duration.ofMillis(300) : Duration.ofSeconds(1),
        memoryKeys != null ? memoryKeys : quick ? 20_000 : 1_000_000,
        watchers != null ? watchers : quick ? 100 : 1000, quick);
    if (p.rounds() < 1) {
      throw new LoadOptions.InvalidOptionException("--rounds must be positive, not " + p.rounds());
    }
    if (p.memoryKeys() < 0) {
      throw new LoadOptions.InvalidOptionException("--memory-keys must not be negative, not "
          + p.memoryKeys());
    }
    if (p.watchers() < 1) {
      throw new LoadOptions.InvalidOptionException("--watchers must be positive, not "
          + p.watchers());
    }
    return p;
  }

  static String secs(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** The workloads, in the order they run within a round. */
  static List<Workload> workloads(Plan p) {
    String d = secs(p.duration());
    String w = secs(p.warmup());
    List<String> timing = List.of("--duration", d, "--warmup", w);
    List<Workload> out = new ArrayList<>();
    out.add(new Workload("put", "put, 256-byte values, 100 clients", Metric.THROUGHPUT,
        join(List.of("put", "--clients", "100", "--conns", "10", "--val-size", "256",
            "--key-space", "100000"), timing)));
    out.add(new Workload("range-l", "linearizable range, 100 clients", Metric.THROUGHPUT,
        join(rangeArgs("l", 100), timing)));
    out.add(new Workload("range-s", "serializable range, 100 clients", Metric.THROUGHPUT,
        join(rangeArgs("s", 100), timing)));
    out.add(new Workload("put-seq", "one client, sequential puts, 256-byte values", Metric.P50,
        join(List.of("put", "--clients", "1", "--conns", "1", "--val-size", "256",
            "--key-space", "100000", "--sequential-keys"), timing)));
    out.add(new Workload("txn-put", "txn of 4 puts, 100 clients", Metric.THROUGHPUT,
        join(List.of("txn-put", "--clients", "100", "--conns", "10", "--txn-ops", "4",
            "--val-size", "256", "--key-space", "100000"), timing)));
    out.add(new Workload("watch", "watch, " + p.watchers() + " watchers, 100 puts/s",
        Metric.P99, List.of("watch", "--watchers", String.valueOf(p.watchers()), "--streams",
            "10", "--conns", "10", "--clients", "10", "--rate", "100", "--val-size", "256",
            "--key-prefix", "w", "--duration", d, "--settle", "10s")));
    out.add(new Workload("lease-keepalive", "lease keep-alive, 100 clients", Metric.THROUGHPUT,
        join(List.of("lease-keepalive", "--clients", "100", "--conns", "10"), timing)));
    out.add(new Workload("mixed", "mixed, 90% linearizable reads, 100 clients",
        Metric.THROUGHPUT, join(List.of("mixed", "--read-ratio", "0.9", "--clients", "100",
            "--conns", "10", "--val-size", "256", "--key-space", String.valueOf(RANGE_KEYS),
            "--key-prefix", "r", "--no-prefill"), timing)));
    return out;
  }

  static List<String> rangeArgs(String consistency, int clients) {
    return List.of("range", "--consistency", consistency, "--clients", String.valueOf(clients),
        "--conns", String.valueOf(Math.min(clients, 10)), "--val-size", "256", "--key-space",
        String.valueOf(RANGE_KEYS), "--key-prefix", "r", "--no-prefill");
  }

  static List<String> sweepArgs(String workload, int clients, Duration d, Duration warmup) {
    List<String> base = workload.equals("put")
        ? List.of("put", "--clients", String.valueOf(clients), "--conns",
            String.valueOf(Math.min(clients, 10)), "--val-size", "256", "--key-space", "100000")
        : rangeArgs("l", clients);
    return join(base, List.of("--duration", secs(d), "--warmup", secs(warmup)));
  }

  private static List<String> join(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @Override
  public Integer call() throws Exception {
    Plan p = plan();
    Path root = Path.of(System.getProperty("kvbench.root", ".")).toAbsolutePath().normalize();
    Path script = etcdScript != null ? etcdScript : defaultEtcdScript(root);
    if (!Files.isRegularFile(script)) {
      throw new LoadOptions.InvalidOptionException("--etcd-script: no file at " + script);
    }
    Path report = out != null ? out : root.resolve("docs/benchmarks-kv-bench.md");
    Path img = imgDir != null ? imgDir : root.resolve("docs/img");
    Path work = workDir != null ? workDir : Files.createTempDirectory("kv-bench-compare-");
    PrintWriter err = spec.commandLine().getErr();
    List<String> commandLine = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    if (!commandLine.isEmpty() && commandLine.get(0).equals("compare")) {
      commandLine.remove(0);
    }

    CompareData data = new CompareData(p, commandLine);
    data.machine = Machine.describe();
    List<Workload> workloads = workloads(p);
    data.workloads = workloads;

    List<ClusterControl> running = new ArrayList<>();
    Thread hook = new Thread(() -> stopAll(running, null));
    Runtime.getRuntime().addShutdownHook(hook);
    long t0 = System.nanoTime();
    try {
      int etcdBase = ClusterControl.freeBasePort(-1000);
      int kvBase = ClusterControl.freeBasePort(etcdBase);
      ClusterControl etcd = new ClusterControl.Etcd(script, work.resolve("etcd"), etcdBase);
      ClusterControl kv = new ClusterControl.Kvstore(root, work.resolve("kvstore"), kvBase);
      data.startCommands.put(ETCD, etcd.startCommand());
      data.startCommands.put(KVSTORE, kv.startCommand());
      List<ClusterControl> sides = List.of(etcd, kv);
      for (ClusterControl c : sides) {
        err.printf("compare: starting %s (%s)%n", c.name, c.startCommand());
        err.flush();
        running.add(c);
        c.start();
        prefillRange(c);
      }
      for (int round = 1; round <= p.rounds(); round++) {
        for (Workload w : workloads) {
          for (ClusterControl c : sides) {
            Result r = run(c, w.args(), err, w.id() + " round " + round);
            data.runs.add(new Run(w.id(), c.name, round, clientsOf(w.args()), r));
          }
        }
      }
      for (String w : List.of("put", "range")) {
        for (int clients : SWEEP_CLIENTS) {
          for (ClusterControl c : sides) {
            Result r = run(c, sweepArgs(w, clients, p.sweep(), p.warmup()), err,
                w + " sweep, " + clients + " clients");
            data.sweep.add(new Run(w, c.name, 0, clients, r));
          }
        }
      }
      for (ClusterControl c : sides) {
        c.stopAndWipe();
        running.remove(c);
      }
      if (p.memoryKeys() > 0) {
        ClusterControl etcdMem = new ClusterControl.Etcd(script, work.resolve("etcd-mem"), etcdBase);
        ClusterControl kvMem = new ClusterControl.Kvstore(root, work.resolve("kvstore-mem"), kvBase);
        for (ClusterControl c : List.of(etcdMem, kvMem)) {
          try {
            data.memory.put(c.name, memory(c, p.memoryKeys(), running, err));
          } catch (RuntimeException e) {
            err.println("compare: " + c.name + ": the memory measurement failed: " + e.getMessage());
            data.memoryFailures.put(c.name, String.valueOf(e.getMessage()).lines().findFirst()
                .orElse("?"));
            stopAll(running, err);
          }
        }
      }
    } finally {
      stopAll(running, err);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
      deleteQuietly(work);
    }
    data.totalSeconds = (System.nanoTime() - t0) / 1e9;
    CompareReport.write(data, report, img, root);
    spec.commandLine().getOut().print(CompareReport.summary(data));
    spec.commandLine().getOut().println("report: " + report);
    spec.commandLine().getOut().flush();
    return 0;
  }

  static Path defaultEtcdScript(Path root) {
    Path beside = root.resolveSibling("shared").resolve("tools/reference-etcd.sh");
    return Files.isRegularFile(beside) ? beside : Path.of("/work/shared/tools/reference-etcd.sh");
  }

  static int clientsOf(List<String> args) {
    int i = args.indexOf("--clients");
    return i < 0 ? 1 : Integer.parseInt(args.get(i + 1));
  }

  private static Result run(ClusterControl c, List<String> args, PrintWriter err, String label)
      throws Exception {
    List<String> full = new ArrayList<>(args);
    full.addAll(List.of("--endpoints", String.join(",", c.endpoints())));
    Result r = KvBench.runWorkload(full);
    err.printf(Locale.ROOT, "compare: %-8s %-28s %,10.1f req/s  p50 %8.3f ms  p99 %8.3f ms  errors %d%n",
        c.name, label, r.throughput(), r.primaryLatency().p50(), r.primaryLatency().p99(),
        r.errors());
    err.flush();
    return r;
  }

  private static void prefillRange(ClusterControl c) throws InterruptedException {
    try (Connections conns = new Connections(c.endpoints(), 3)) {
      UnaryLoads.prefill(conns, new Keys("r", 8, RANGE_KEYS, false), UnaryLoads.value(256),
          RANGE_KEYS, 16, TimeUnit.SECONDS.toNanos(30), "never");
    }
  }

  /** How long a loaded cluster is left idle before its resident size is read again. */
  static final int SETTLE_SECONDS = 20;

  /**
   * Memory of one side: RSS right after loading and {@link #SETTLE_SECONDS} later, restart time,
   * RSS after the restart.
   */
  record Memory(long keys, long[] rssLoaded, long[] rssSettled, long[] rssRestarted,
      double loadSeconds, double restartSeconds) {}

  private static Memory memory(ClusterControl c, long keys, List<ClusterControl> running,
      PrintWriter err) throws InterruptedException {
    err.printf("compare: %s: loading %,d keys for the memory measurement%n", c.name, keys);
    err.flush();
    running.add(c);
    c.start();
    long t = System.nanoTime();
    try (Connections conns = new Connections(c.endpoints(), 3)) {
      UnaryLoads.prefill(conns, new Keys("m", 16, keys, false), UnaryLoads.value(256), keys, 32,
          TimeUnit.SECONDS.toNanos(60), "never");
    }
    double load = (System.nanoTime() - t) / 1e9;
    long[] loaded = new long[ClusterControl.MEMBERS];
    for (int i = 0; i < loaded.length; i++) {
      loaded[i] = c.rss(i);
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
    long[] settled = new long[ClusterControl.MEMBERS];
    for (int i = 0; i < settled.length; i++) {
      settled[i] = c.rss(i);
    }
    c.stopKeepData();
    double restart = c.restartTimed() / 1e9;
    Thread.sleep(1000);
    long[] restarted = new long[ClusterControl.MEMBERS];
    for (int i = 0; i < restarted.length; i++) {
      restarted[i] = c.rss(i);
    }
    err.printf(Locale.ROOT, "compare: %s: RSS %s MiB after loading, %s MiB %d s later,"
        + " restart to ready %.2f s%n", c.name, mib(loaded), mib(settled), SETTLE_SECONDS, restart);
    err.flush();
    c.stopAndWipe();
    running.remove(c);
    return new Memory(keys, loaded, settled, restarted, load, restart);
  }

  static String mib(long[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (long b : bytes) {
      sb.append(sb.length() == 0 ? "" : " / ").append(b < 0 ? "?" : String.valueOf(b >> 20));
    }
    return sb.toString();
  }

  private static void stopAll(List<ClusterControl> running, PrintWriter err) {
    for (ClusterControl c : List.copyOf(running)) {
      try {
        c.stopAndWipe();
        running.remove(c);
      } catch (RuntimeException e) {
        if (err != null) {
          err.println("compare: could not stop " + c.name + ": " + e.getMessage());
        }
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  /** Everything the report is made of. Filled by the run thread only. */
  static final class CompareData {
    final Plan plan;
    final List<String> commandLine;
    Map<String, String> machine = new LinkedHashMap<>();
    List<Workload> workloads = List.of();
    final Map<String, String> startCommands = new LinkedHashMap<>();
    final List<Run> runs = new ArrayList<>();
    final List<Run> sweep = new ArrayList<>();
    final Map<String, Memory> memory = new LinkedHashMap<>();
    final Map<String, String> memoryFailures = new LinkedHashMap<>();
    double totalSeconds;

    CompareData(Plan plan, List<String> commandLine) {
      this.plan = plan;
      this.commandLine = commandLine;
    }
  }
}
