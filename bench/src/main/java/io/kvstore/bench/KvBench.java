package io.kvstore.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kv-bench}: a load generator for any etcd v3 endpoint, after etcd's {@code benchmark}
 * tool. Each workload command connects with {@code --conns} raw gRPC channels, keeps {@code
 * --clients} requests in flight, and prints latency percentiles (HdrHistogram), throughput and
 * errors by gRPC code, as a table or JSON. {@code compare} runs them all against real etcd and
 * kvstore side by side (see {@link Compare}).
 *
 * <p>Exit status: 0 when the run completed (errors are reported, not fatal), 1 when it could not
 * run or every request failed, 2 for bad flags.
 *
 * <p>Thread-safety: one command per instance.
 */
@Command(name = "kv-bench", mixinStandardHelpOptions = true, version = "kv-bench 0.1.0",
    description = "Load generator for etcd v3 endpoints (kvstore or etcd).",
    subcommands = {KvBench.Put.class, KvBench.Range.class, KvBench.TxnPut.class,
        KvBench.Watch.class, KvBench.LeaseKeepAlive.class, KvBench.Mixed.class, Compare.class})
public final class KvBench implements Callable<Integer> {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;

  @Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(System.out, System.err, args));
  }

  /** Runs one command line; returns the exit status. */
  public static int run(PrintStream out, PrintStream err, String... args) {
    CommandLine cl = new CommandLine(new KvBench());
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("kv-bench: " + ex.getMessage());
      c.getErr().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof LoadOptions.InvalidOptionException) {
        c.getErr().println("kv-bench: " + ex.getMessage());
        c.getErr().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
        return EXIT_USAGE;
      }
      c.getErr().println("kv-bench: " + c.getCommandName() + " failed: " + ex);
      return EXIT_FAILED;
    });
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("kv-bench: a workload command is required: put, range,"
        + " txn-put, watch, lease-keepalive, mixed or compare");
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  /** What every workload command does around its run: validate, connect, print, write JSON. */
  abstract static class WorkloadCommand implements Callable<Integer> {
    @Mixin
    LoadOptions o;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Checks the command's own options; throws InvalidOptionException. */
    void validateOwn() {}

    abstract Result execute(Connections conns) throws Exception;

    @Override
    public Integer call() throws Exception {
      o.validate();
      validateOwn();
      Result r;
      try (Connections conns = new Connections(o.endpoints, o.conns)) {
        r = execute(conns);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(o.writeOut.equals("json") ? Report.json(r) : Report.table(r));
      out.flush();
      if (o.jsonFile != null) {
        writeJson(Path.of(o.jsonFile), r);
      }
      if (r.requests() == 0 && r.errors() > 0) {
        spec.commandLine().getErr().println("kv-bench: every request failed");
        return EXIT_FAILED;
      }
      return 0;
    }

    /** Runs a unary workload with the usual warm-up and budget. */
    Result unary(String name, LoadRunner.Request request, String primary, boolean recordAll,
        Map<String, Object> extra) throws InterruptedException {
      LoadRunner runner = new LoadRunner(o.clients, o.rateOr(0), recordAll);
      if (o.warmupOrNull() != null) {
        runner.run(request, LoadRunner.Budget.nanos(o.warmupOrNull().toNanos()), new Recording(),
            "never", "warmup");
      }
      Recording rec = new Recording();
      long elapsed = runner.run(request, LoadRunner.Budget.of(o), rec, o.progress, name);
      Map<String, Object> settings = o.describe();
      settings.putAll(extra);
      return Result.of(name, settings, rec, elapsed / 1e9, primary, Map.of(), -1);
    }

    long timeoutNanos() {
      return o.timeoutValue().toNanos();
    }

    /** Writes the key space first unless told not to or it is too large to be sensible. */
    void prefill(Connections conns, boolean wanted) throws InterruptedException {
      if (!wanted) {
        return;
      }
      if (o.keySpace > 10_000_000) {
        throw new LoadOptions.InvalidOptionException("--key-space " + o.keySpace
            + " is too large to prefill; pass --no-prefill");
      }
      UnaryLoads.prefill(conns, o.keys(), UnaryLoads.value(o.valSize), o.keySpace,
          Math.max(1, Math.min(o.clients, 64)), timeoutNanos(), o.progress);
    }
  }

  /**
   * Runs one workload command line ({@code put --clients 10 ...}) in this JVM without printing,
   * for compare; throws {@link LoadOptions.InvalidOptionException} for bad flags.
   */
  static Result runWorkload(List<String> args) throws Exception {
    CommandLine cl = new CommandLine(new KvBench());
    CommandLine.ParseResult sub;
    try {
      sub = cl.parseArgs(args.toArray(String[]::new)).subcommand();
    } catch (CommandLine.ParameterException e) {
      throw new LoadOptions.InvalidOptionException(e.getMessage());
    }
    if (sub == null || !(sub.commandSpec().userObject() instanceof WorkloadCommand wc)) {
      throw new LoadOptions.InvalidOptionException("not a workload command: " + args);
    }
    wc.o.validate();
    wc.validateOwn();
    try (Connections conns = new Connections(wc.o.endpoints, wc.o.conns)) {
      return wc.execute(conns);
    }
  }

  static void writeJson(Path file, Result r) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, Report.json(r), StandardCharsets.UTF_8);
  }

  static boolean serializable(String consistency) {
    return switch (consistency) {
      case "l" -> false;
      case "s" -> true;
      default -> throw new LoadOptions.InvalidOptionException(
          "--consistency must be l (linearizable) or s (serializable), not '" + consistency + "'");
    };
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Puts values of --val-size bytes into keys of the key space.")
  static final class Put extends WorkloadCommand {
    @Override
    Result execute(Connections conns) throws InterruptedException {
      return unary("put", UnaryLoads.put(conns, o.keys(), UnaryLoads.value(o.valSize),
          timeoutNanos()), "put", false, Map.of());
    }
  }

  @Command(name = "range", mixinStandardHelpOptions = true,
      description = "Reads single keys of the key space, written first (see --no-prefill).")
  static final class Range extends WorkloadCommand {
    @Option(names = "--consistency", description = "l (linearizable) or s (serializable) (default: ${DEFAULT-VALUE}).",
        defaultValue = "l")
    String consistency = "l";

    @Option(names = "--prefill", negatable = true, defaultValue = "true",
        description = "Write every key of the key space before the run (default: true).")
    boolean prefill = true;

    @Override
    void validateOwn() {
      serializable(consistency);
    }

    @Override
    Result execute(Connections conns) throws InterruptedException {
      prefill(conns, prefill);
      return unary("range", UnaryLoads.range(conns, o.keys(), serializable(consistency),
          timeoutNanos()), "range", false, Map.of("consistency", consistency));
    }
  }

  @Command(name = "txn-put", mixinStandardHelpOptions = true,
      description = "Txns of --txn-ops puts each, into consecutive keys of the key space.")
  static final class TxnPut extends WorkloadCommand {
    @Option(names = "--txn-ops", description = "Puts per txn (default: ${DEFAULT-VALUE}).",
        defaultValue = "1")
    int txnOps = 1;

    @Override
    void validateOwn() {
      if (txnOps < 1) {
        throw new LoadOptions.InvalidOptionException("--txn-ops must be positive, not " + txnOps);
      }
      if (txnOps > o.keySpace) {
        throw new LoadOptions.InvalidOptionException("--txn-ops " + txnOps
            + " exceeds --key-space " + o.keySpace + ": a txn must not put a key twice");
      }
    }

    @Override
    Result execute(Connections conns) throws InterruptedException {
      return unary("txn-put", UnaryLoads.txnPut(conns, o.keys(), UnaryLoads.value(o.valSize),
          txnOps, timeoutNanos()), "txn", false, Map.of("txnOps", txnOps));
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = {"Put-to-event latency: --watchers watchers of the key range, puts at --rate",
          "(default 100/s); every event at every watcher is timed from its put's send."})
  static final class Watch extends WorkloadCommand {
    @Option(names = "--watchers", description = "Watchers (default: ${DEFAULT-VALUE}).",
        defaultValue = "100")
    int watchers = 100;

    @Option(names = "--streams", description = "Watch streams the watchers share, spread over the"
        + " connections (default: one per connection).")
    Integer streams;

    @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "10s",
        description = "How long to wait for the last events after the last put (default: ${DEFAULT-VALUE}).")
    String settle = "10s";

    @Override
    void validateOwn() {
      if (watchers < 1) {
        throw new LoadOptions.InvalidOptionException("--watchers must be positive, not " + watchers);
      }
      if (streams != null && (streams < 1 || streams > watchers)) {
        throw new LoadOptions.InvalidOptionException("--streams must be between 1 and --watchers ("
            + watchers + "), not " + streams);
      }
      if (o.valSize < Long.BYTES) {
        throw new LoadOptions.InvalidOptionException("--val-size must be at least 8 for watch"
            + " (the value carries the put's number), not " + o.valSize);
      }
      LoadOptions.parseDuration("--settle", settle);
    }

    @Override
    Result execute(Connections conns) throws InterruptedException {
      int s = streams != null ? streams : Math.min(watchers, conns.size());
      return WatchLoad.run(o, conns, watchers, s,
          LoadOptions.parseDuration("--settle", settle).toNanos());
    }
  }

  @Command(name = "lease-keepalive", mixinStandardHelpOptions = true,
      description = "Each client keeps its own lease alive as fast as it is answered.")
  static final class LeaseKeepAlive extends WorkloadCommand {
    @Option(names = "--lease-ttl", description = "TTL of the leases in seconds (default: ${DEFAULT-VALUE}).",
        defaultValue = "60")
    long ttl = 60;

    @Override
    void validateOwn() {
      if (ttl < 1) {
        throw new LoadOptions.InvalidOptionException("--lease-ttl must be positive, not " + ttl);
      }
    }

    @Override
    Result execute(Connections conns) throws InterruptedException {
      return LeaseLoad.run(o, conns, ttl);
    }
  }

  @Command(name = "mixed", mixinStandardHelpOptions = true,
      description = "Reads (range) with probability --read-ratio, puts otherwise.")
  static final class Mixed extends WorkloadCommand {
    @Option(names = "--read-ratio", description = "Share of reads, 0..1 (default: ${DEFAULT-VALUE}).",
        defaultValue = "0.5")
    double readRatio = 0.5;

    @Option(names = "--consistency", description = "Reads: l or s (default: ${DEFAULT-VALUE}).",
        defaultValue = "l")
    String consistency = "l";

    @Option(names = "--prefill", negatable = true, defaultValue = "true",
        description = "Write every key of the key space before the run (default: true).")
    boolean prefill = true;

    @Override
    void validateOwn() {
      if (!(readRatio >= 0 && readRatio <= 1)) {
        throw new LoadOptions.InvalidOptionException("--read-ratio must be between 0 and 1, not "
            + readRatio);
      }
      serializable(consistency);
    }

    @Override
    Result execute(Connections conns) throws InterruptedException {
      prefill(conns, prefill);
      return unary("mixed", UnaryLoads.mixed(conns, o.keys(), UnaryLoads.value(o.valSize),
          readRatio, serializable(consistency), timeoutNanos()), "all", true,
          Map.of("readRatio", readRatio, "consistency", consistency));
    }
  }
}
