package io.kvstore.chaos;

import com.google.gson.JsonPrimitive;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.LogChecker;
import io.kvstore.chaos.checker.RevisionChecker;
import io.kvstore.chaos.checker.Verdict;
import io.kvstore.chaos.cluster.ChaosCluster;
import io.kvstore.chaos.cluster.MemberImage;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.History;
import io.kvstore.chaos.history.Operation;
import io.kvstore.chaos.nemesis.Nemeses;
import io.kvstore.chaos.nemesis.Nemesis;
import io.kvstore.chaos.workload.AppendWorkload;
import io.kvstore.chaos.workload.ElectionWorkload;
import io.kvstore.chaos.workload.LeaseWorkload;
import io.kvstore.chaos.workload.RegisterWorkload;
import io.kvstore.chaos.workload.RunContext;
import io.kvstore.chaos.workload.WatchWorkload;
import io.kvstore.chaos.workload.Workload;
import io.kvstore.client.KvClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jepsen-style run: build the member image, start the cluster, run the workloads while the
 * nemesis injects, holds and heals faults on a schedule, then heal everything, let the workloads
 * make their final reads, and check. Writes {@code history.jsonl}, {@code watches.jsonl}, {@code
 * results.txt} and the member logs to {@code <outputDir>/<name>/}. The cluster is removed at the
 * end whatever happens.
 *
 * <p>Thread-safety: one run per instance, from one thread.
 */
public final class ChaosRun {
  private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);
  /** The nemesis's process number in the history (Jepsen's :nemesis). */
  public static final int NEMESIS = -1;

  /**
   * Log lines that are expected under faults. kv-server logs at ERROR only what it considers a
   * bug or a failed member; every such line fails the run unless listed here with a reason.
   */
  static final List<Pattern> ALLOWED_LOG_LINES = List.of();

  private final ChaosConfig config;

  public ChaosRun(ChaosConfig config) {
    this.config = config;
  }

  /** The outcome of a run. */
  public record Result(ChaosConfig config, List<CheckResult> checks, Path dir, int operations,
      List<String> faults) {
    public boolean valid() {
      return checks.stream().allMatch(CheckResult::valid);
    }

    public String report() {
      StringBuilder b = new StringBuilder();
      b.append("chaos run ").append(config.name()).append(" seed ").append(config.seed())
          .append(": ").append(valid() ? "VALID" : "INVALID").append(" (").append(operations)
          .append(" operations, ").append(faults.size()).append(" nemesis events)\n");
      for (CheckResult c : checks) {
        b.append(c).append('\n');
      }
      b.append("history: ").append(dir.resolve("history.jsonl")).append('\n');
      b.append("replay with: -Dchaos.seed=").append(config.seed()).append('\n');
      return b.toString();
    }
  }

  public Result run() throws Exception {
    Path dir = config.outputDir().resolve(config.name());
    Files.createDirectories(dir);
    Random random = new Random(config.seed());
    log.info("chaos run {} seed {}: {} nodes, {} for {}, nemeses {}, workloads {}",
        config.name(), config.seed(), config.nodes(), config.workloads(), config.duration(),
        config.nemeses(), config.workloads());
    String image = new MemberImage(
        Path.of(System.getProperty("chaos.memberLib", "target/member-lib")),
        Path.of(System.getProperty("chaos.workDir", "target/chaos-image"))).build();
    History history = new History();
    List<String> faults = new ArrayList<>();
    List<CheckResult> checks = new ArrayList<>();
    RunContext ctx = null;
    try (ChaosCluster cluster = new ChaosCluster(image, config.nodes(), config.memberFlags(),
        random)) {
      cluster.start();
      ctx = new RunContext(cluster, history, random.nextLong(), config.callTimeout());
      List<Workload> workloads = workloads(config.workloads(), config.concurrency());
      for (Workload w : workloads) {
        w.start(ctx);
      }
      KvClient admin = ctx.newClient();
      long end = System.nanoTime() + config.duration().toNanos();
      List<Nemesis> nemeses = new ArrayList<>();
      for (String n : config.nemeses()) {
        nemeses.add(Nemeses.of(n, admin));
      }
      // Every nemesis in turn, in a seeded shuffled order, so even a short run sees each once.
      java.util.Collections.shuffle(nemeses, random);
      int turn = 0;
      long interval = config.interval().toMillis();
      while (System.nanoTime() < end) {
        sleepUntil(Math.min(end, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(interval)));
        if (nemeses.isEmpty() || System.nanoTime() >= end) {
          continue;
        }
        Nemesis n = nemeses.get(turn++ % nemeses.size());
        faults.add(nemesis(history, n.name(), "start", () -> n.inject(cluster, random)));
        sleepUntil(Math.min(end, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(interval)));
        faults.add(nemesis(history, n.name(), "stop", () -> n.heal(cluster, random)));
      }
      faults.add(nemesis(history, "all", "heal", () -> {
        cluster.healAll();
        return "healed every fault";
      }));
      ctx.stop();
      for (Workload w : workloads) {
        w.awaitStopped(config.callTimeout().plusSeconds(10));
      }
      boolean serving = cluster.awaitAllServing(Duration.ofSeconds(90));
      if (!serving) {
        checks.add(CheckResult.of("recovery", List.of(
            "after healing, not every member served a linearizable read within 90 s")));
      }
      for (Workload w : workloads) {
        w.finish(ctx);
      }
      List<Operation> ops = history.operations();
      for (Workload w : workloads) {
        List<Operation> mine = ops.stream().filter(w::owns).toList();
        checks.addAll(w.check(mine, ctx, config.checkTimeout()));
      }
      checks.add(RevisionChecker.check(ops.stream().filter(op -> op.process() != NEMESIS)
          .toList(), ChaosRun::isWrite));
      checks.add(hashCheck(cluster, admin));
      Map<String, String> logs = cluster.logs();
      cluster.saveLogs(dir.resolve("logs"));
      checks.add(LogChecker.check(logs, ALLOWED_LOG_LINES));
    } catch (Exception | Error e) {
      checks.add(new CheckResult("run", Verdict.INVALID, List.of("the run failed: " + e)));
      log.error("chaos run failed", e);
    } finally {
      if (ctx != null) {
        ctx.stop();
        ctx.closeClients();
      }
      history.write(dir.resolve("history.jsonl"));
      if (ctx != null) {
        ctx.watchLog.write(dir.resolve("watches.jsonl"));
      }
    }
    removeImage(image);
    Result result = new Result(config, checks, dir, history.operations().size(), faults);
    Files.writeString(dir.resolve("results.txt"), result.report());
    log.info("{}", result.report());
    return result;
  }

  private static void removeImage(String image) {
    try {
      org.testcontainers.DockerClientFactory.instance().client().removeImageCmd(image)
          .withForce(true).exec();
    } catch (RuntimeException e) {
      log.warn("could not remove image {}: {}", image, e.toString());
    }
  }

  /** Which acknowledged operations wrote (and so own their revision). */
  static boolean isWrite(Operation op) {
    return switch (op.f()) {
      case "write", "cas", "cas-rev", "put", "put2", "guarded-write", "put-lease" -> true;
      case "txn" -> op.input().toString().contains("\"append\"");
      default -> false;
    };
  }

  private CheckResult hashCheck(ChaosCluster cluster, KvClient admin) {
    long revision;
    try {
      revision = admin.kv().range(RangeRequest.newBuilder()
          .setKey(com.google.protobuf.ByteString.copyFromUtf8("chaos-probe")).build())
          .get(10, TimeUnit.SECONDS).getHeader().getRevision();
    } catch (Exception e) {
      return CheckResult.of("hashkv", List.of("could not read the current revision: " + e));
    }
    Map<String, String> hashes = cluster.hashKv(revision, Duration.ofSeconds(30));
    if (new HashSet<>(hashes.values()).size() != 1
        || hashes.values().iterator().next().startsWith("error")) {
      return CheckResult.of("hashkv", List.of("members differ at revision " + revision + ": "
          + hashes));
    }
    return CheckResult.of("hashkv", List.of());
  }

  private interface Action {
    String run() throws Exception;
  }

  private static String nemesis(History history, String f, String phase, Action action) {
    Event inv = history.invoke(NEMESIS, f, null, new JsonPrimitive(phase));
    String what;
    try {
      what = action.run();
    } catch (Exception e) {
      what = phase + " failed: " + e;
      log.warn("nemesis {} {}", f, what, e);
    }
    history.complete(inv, Event.Type.INFO, new JsonPrimitive(what), null);
    log.info("nemesis {} {}: {}", f, phase, what);
    return f + " " + phase + ": " + what;
  }

  static List<Workload> workloads(List<String> names, int concurrency) {
    List<Workload> list = new ArrayList<>();
    for (String n : names) {
      list.add(switch (n) {
        case "register" -> new RegisterWorkload(6, concurrency);
        case "append" -> new AppendWorkload(4, concurrency);
        case "watch" -> new WatchWorkload(2, false);
        case "watch-compact" -> new WatchWorkload(2, true);
        case "election" -> new ElectionWorkload(3);
        case "lease" -> new LeaseWorkload(Math.max(2, concurrency / 2));
        default -> throw new IllegalArgumentException("unknown workload " + n
            + "; known: register, append, watch, watch-compact, election, lease");
      });
    }
    return list;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** Writes a history read back from disk through the same checks (offline re-check). */
  public static List<CheckResult> recheck(Path dir, Duration timeout) throws IOException {
    List<Operation> ops = History.operations(History.read(dir.resolve("history.jsonl")));
    List<CheckResult> checks = new ArrayList<>();
    List<Operation> register = ops.stream().filter(o -> o.key() != null
        && o.key().startsWith("r/")).toList();
    checks.add(io.kvstore.chaos.checker.Linearizability.check("register linearizability",
        register, new io.kvstore.chaos.checker.RegisterModel(), timeout));
    List<Operation> append = ops.stream().filter(o -> o.key() != null
        && o.key().startsWith("a/")).toList();
    checks.add(io.kvstore.chaos.checker.Linearizability.check("append strict serializability",
        append, new io.kvstore.chaos.checker.ListAppendModel(), timeout));
    checks.add(RevisionChecker.check(ops.stream().filter(op -> op.process() != NEMESIS)
        .toList(), ChaosRun::isWrite));
    if (ops.stream().anyMatch(o -> o.f().equals("term"))) {
      checks.addAll(io.kvstore.chaos.checker.ElectionChecker.check(ops.stream()
          .filter(new ElectionWorkload(0)::owns).toList()));
    }
    if (ops.stream().anyMatch(o -> o.f().equals("grant"))) {
      checks.addAll(io.kvstore.chaos.checker.LeaseChecker.check(ops.stream()
          .filter(new LeaseWorkload(0)::owns).toList()));
    }
    Path watches = dir.resolve("watches.jsonl");
    if (Files.exists(watches)) {
      List<Operation> w = ops.stream().filter(o -> o.key() != null && o.key().startsWith("w/"))
          .toList();
      checks.add(io.kvstore.chaos.checker.WatchChecker.check(
          io.kvstore.chaos.history.WatchLog.read(watches).watchers(),
          WatchWorkload.acknowledged(w), 0));
    }
    return checks;
  }
}
