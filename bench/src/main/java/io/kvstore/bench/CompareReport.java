package io.kvstore.bench;

import io.kvstore.bench.Compare.CompareData;
import io.kvstore.bench.Compare.Metric;
import io.kvstore.bench.Compare.Run;
import io.kvstore.bench.Compare.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Writes compare's Markdown report and its plots: per workload a table of every round (throughput,
 * p50 and p99 of each side, the ratio kvstore / etcd) with the median ratio, the targets and
 * whether each was met, the clients sweep, the put latency CDF, memory and restart time, the
 * exact commands and the machine. Stateless.
 */
final class CompareReport {
  static final String PUT_SWEEP_PNG = "kv-bench-put-clients.png";
  static final String RANGE_SWEEP_PNG = "kv-bench-range-clients.png";
  static final String PUT_CDF_PNG = "kv-bench-put-latency-cdf.png";

  private CompareReport() {}

  /** The figure a workload's ratio compares. */
  static double figure(Result r, Metric m) {
    return switch (m) {
      case THROUGHPUT -> r.throughput();
      case P50 -> r.primaryLatency().p50();
      case P99 -> r.primaryLatency().p99();
    };
  }

  static double ratio(double ours, double theirs) {
    return theirs > 0 ? ours / theirs : Double.NaN;
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().filter(x -> !Double.isNaN(x)).mapToDouble(Double::doubleValue)
        .sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /** Ratios kvstore / etcd of one workload, per round. */
  static List<Double> ratios(CompareData d, Workload w) {
    List<Double> out = new ArrayList<>();
    for (int round = 1; round <= d.plan.rounds(); round++) {
      Result e = find(d.runs, w.id(), Compare.ETCD, round);
      Result k = find(d.runs, w.id(), Compare.KVSTORE, round);
      if (e != null && k != null) {
        out.add(ratio(figure(k, w.metric()), figure(e, w.metric())));
      }
    }
    return out;
  }

  private static Result find(List<Run> runs, String workload, String side, int round) {
    return runs.stream().filter(r -> r.workload().equals(workload) && r.side().equals(side)
        && r.round() == round).map(Run::result).findFirst().orElse(null);
  }

  static String summary(CompareData d) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-16s %-10s %12s %12s %8s%n", "workload", "measure",
        "etcd", "kvstore", "ratio"));
    for (Workload w : d.workloads) {
      List<Double> ratios = ratios(d, w);
      double e = median(d.runs.stream().filter(r -> r.workload().equals(w.id())
          && r.side().equals(Compare.ETCD)).map(r -> figure(r.result(), w.metric())).toList());
      double k = median(d.runs.stream().filter(r -> r.workload().equals(w.id())
          && r.side().equals(Compare.KVSTORE)).map(r -> figure(r.result(), w.metric())).toList());
      sb.append(String.format(Locale.ROOT, "%-16s %-10s %12.2f %12.2f %8.2f%n", w.id(),
          measure(w.metric()), e, k, median(ratios)));
    }
    return sb.toString();
  }

  private static String measure(Metric m) {
    return switch (m) {
      case THROUGHPUT -> "req/s";
      case P50 -> "p50 ms";
      case P99 -> "p99 ms";
    };
  }

  static void write(CompareData d, Path report, Path imgDir, Path root) throws IOException {
    drawPlots(d, imgDir);
    Path rel = report.toAbsolutePath().getParent().relativize(imgDir.toAbsolutePath());
    String img = rel.toString().isEmpty() ? "" : rel + "/";
    StringBuilder md = new StringBuilder();
    md.append("# kv-bench: kvstore against etcd 3.4, side by side\n\n");
    md.append(String.format(Locale.ROOT, "Written by `bin/kv-bench compare%s` on %s (%.0f s in"
        + " all). Both clusters ran three members on loopback on this one machine, one cluster"
        + " at a time under load, etcd first in every pair. Reproduce with the same command;"
        + " [benchmarks.md](benchmarks.md) has the micro-benchmarks.\n\n",
        d.commandLine.isEmpty() ? "" : " " + String.join(" ", d.commandLine), LocalDate.now(),
        d.totalSeconds));
    if (d.plan.quick()) {
      md.append("> **Quick run** (`--quick`): short runs that only show the tool works end to"
          + " end. Its numbers are not measurements; run `bin/kv-bench compare` on a quiet"
          + " machine for those.\n\n");
    }
    md.append("Ratios are kvstore / etcd per round: for throughput higher is better, for"
        + " latencies lower is better. The median is over rounds.\n\n");

    md.append("## Targets\n\n");
    md.append("| target | etcd (median) | kvstore (median) | median ratio | target | met |\n");
    md.append("|---|---:|---:|---:|---|---|\n");
    Map<String, Workload> byId = new LinkedHashMap<>();
    d.workloads.forEach(w -> byId.put(w.id(), w));
    for (Targets.Target t : Targets.ALL) {
      Workload w = byId.get(t.workload());
      if (w == null) {
        continue;
      }
      double ratio = median(ratios(d, w));
      double e = median(side(d, w, Compare.ETCD));
      double k = median(side(d, w, Compare.KVSTORE));
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %s | %s |\n",
          t.description(), fmt(e, w.metric()), fmt(k, w.metric()), ratio, t.boundText(),
          Double.isNaN(ratio) ? "no data" : t.met(ratio) ? "**yes**" : "**no**"));
    }
    md.append('\n');

    md.append("## Workloads\n\n");
    for (Workload w : d.workloads) {
      md.append("### ").append(w.id()).append(": ").append(w.title()).append("\n\n");
      md.append("`bin/kv-bench ").append(String.join(" ", w.args()))
          .append(" --endpoints <the cluster's three endpoints>`\n\n");
      String lat = w.id().equals("watch") ? "put-to-event" : "latency";
      md.append("| round | etcd req/s | etcd p50 ms | etcd p99 ms | kvstore req/s | kvstore p50 ms"
          + " | kvstore p99 ms | ratio (").append(measure(w.metric())).append(") | errors etcd"
          + " / kvstore |\n");
      md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      List<Double> ratios = ratios(d, w);
      for (int round = 1; round <= d.plan.rounds(); round++) {
        Result e = find(d.runs, w.id(), Compare.ETCD, round);
        Result k = find(d.runs, w.id(), Compare.KVSTORE, round);
        if (e == null || k == null) {
          continue;
        }
        md.append(String.format(Locale.ROOT,
            "| %d | %,.0f | %.3f | %.3f | %,.0f | %.3f | %.3f | %.2f | %d / %d |\n", round,
            e.throughput(), e.primaryLatency().p50(), e.primaryLatency().p99(), k.throughput(),
            k.primaryLatency().p50(), k.primaryLatency().p99(),
            ratio(figure(k, w.metric()), figure(e, w.metric())), e.errors(), k.errors()));
      }
      md.append(String.format(Locale.ROOT, "| **median** | | | | | | | **%.2f** | |\n\n",
          median(ratios)));
      if (w.id().equals("watch")) {
        md.append("Latencies here are ").append(lat).append(": from a put's send to the event's"
            + " arrival at each watcher; req/s are puts/s, held at the rate.\n\n");
      }
      errorsOf(d, w.id()).forEach((side, errs) -> md.append("Errors on ").append(side)
          .append(": ").append(errs).append("\n\n"));
    }

    md.append("## Throughput against clients\n\n");
    md.append("Put (256-byte values) and linearizable range at 1, 10, 50 and 100 clients, one run"
        + " each of `").append(Compare.secs(d.plan.sweep())).append("`.\n\n");
    md.append("![put throughput against clients](").append(img).append(PUT_SWEEP_PNG)
        .append(")\n![range throughput against clients](").append(img).append(RANGE_SWEEP_PNG)
        .append(")\n\n");
    md.append("| workload | clients | etcd req/s | kvstore req/s | ratio | etcd p99 ms |"
        + " kvstore p99 ms |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (String w : List.of("put", "range")) {
      for (int c : Compare.SWEEP_CLIENTS) {
        Result e = sweep(d, w, Compare.ETCD, c);
        Result k = sweep(d, w, Compare.KVSTORE, c);
        if (e == null || k == null) {
          continue;
        }
        md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %.2f | %.3f | %.3f |\n",
            w, c, e.throughput(), k.throughput(), ratio(k.throughput(), e.throughput()),
            e.primaryLatency().p99(), k.primaryLatency().p99()));
      }
    }
    md.append("\nCommands: `bin/kv-bench ")
        .append(String.join(" ", Compare.sweepArgs("put", 100, d.plan.sweep(), d.plan.warmup())))
        .append("` and `bin/kv-bench ")
        .append(String.join(" ", Compare.sweepArgs("range", 100, d.plan.sweep(), d.plan.warmup())))
        .append("`, with `--clients` 1, 10, 50, 100 (`--conns` min(clients, 10)).\n\n");

    md.append("## Put latency distribution at 100 clients\n\n");
    md.append("All rounds of the `put` workload merged, per side.\n\n");
    md.append("![put latency CDF](").append(img).append(PUT_CDF_PNG).append(")\n\n");

    if (!d.memory.isEmpty()) {
      md.append("## Memory and restart\n\n");
      Compare.Memory any = d.memory.values().iterator().next();
      md.append(String.format(Locale.ROOT, "Fresh clusters loaded with %,d keys (16-byte keys,"
          + " 256-byte values, txns of %d puts), RSS of each member from `/proc/<pid>/status`"
          + " right after loading and again after %d s idle;"
          + " then every member stopped (SIGTERM) and the cluster started again on its data:"
          + " restart to ready is from launching the start script to a linearizable read"
          + " succeeding on every member (polled every 50 ms, the same probe for both).\n\n",
          any.keys(), UnaryLoads.PREFILL_BATCH, Compare.SETTLE_SECONDS));
      md.append(String.format(Locale.ROOT, "| | RSS per member after loading (MiB) |"
          + " RSS %d s later (MiB) | load time | restart to ready |"
          + " RSS per member after restart (MiB) |\n|---|---|---|---:|---:|---|\n",
          Compare.SETTLE_SECONDS));
      d.memory.forEach((side, m) -> md.append(String.format(Locale.ROOT,
          "| %s | %s | %s | %.1f s | %.2f s | %s |\n", side, Compare.mib(m.rssLoaded()),
          Compare.mib(m.rssSettled()), m.loadSeconds(), m.restartSeconds(),
          Compare.mib(m.rssRestarted()))));
      md.append('\n');
    }
    d.memoryFailures.forEach((side, why) -> md.append("The memory measurement of ").append(side)
        .append(" failed: ").append(why).append("\n\n"));

    md.append("## Commands\n\n");
    md.append("```sh\n");
    md.append("bin/kv-bench compare").append(d.commandLine.isEmpty() ? "" : " "
        + String.join(" ", d.commandLine)).append('\n');
    md.append("# what it runs:\n");
    d.startCommands.forEach((side, cmd) -> md.append("#   ").append(side).append(": ")
        .append(cmd).append('\n'));
    for (Workload w : d.workloads) {
      md.append("bin/kv-bench ").append(String.join(" ", w.args()))
          .append(" --endpoints <endpoints>\n");
    }
    md.append("```\n\n");
    md.append(String.format(Locale.ROOT, "Rounds: %d; each workload runs for %s after a %s"
        + " warm-up on the same connections' cluster. Linearizable and serializable range and"
        + " mixed read %,d keys written before the first round.\n\n", d.plan.rounds(),
        Compare.secs(d.plan.duration()), Compare.secs(d.plan.warmup()), 10_000));

    md.append("## Micro-benchmarks of the hot paths\n\n");
    md.append("JMH suites in the bench module, not part of this comparison: `MvccStoreBenchmark`"
        + " (MVCC put, point range and 100-key range on RocksDB), `WatchFanoutBenchmark` (one"
        + " commit published to 1,000 or 10,000 watchers), `ProtoCodecBenchmark` (PutRequest and"
        + " RangeResponse encode/decode), beside raft-core's. Run them with"
        + " `bin/jmh 'MvccStoreBenchmark|WatchFanoutBenchmark|ProtoCodecBenchmark' -f 1 -wi 3 -w 2s"
        + " -i 5 -r 2s`.\n\n");
    md.append("## Machine\n\n| | |\n|---|---|\n");
    d.machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    md.append("\nThe load generator runs on the same cores as the three members under test, as"
        + " the members of each cluster share them; on two cores every figure here is bound by"
        + " CPU contention, so compare the ratios more than the absolute numbers.\n");
    Files.createDirectories(report.toAbsolutePath().getParent());
    Files.writeString(report, md.toString(), StandardCharsets.UTF_8);
  }

  private static List<Double> side(CompareData d, Workload w, String side) {
    return d.runs.stream().filter(r -> r.workload().equals(w.id()) && r.side().equals(side))
        .map(r -> figure(r.result(), w.metric())).toList();
  }

  private static String fmt(double v, Metric m) {
    return m == Metric.THROUGHPUT ? String.format(Locale.ROOT, "%,.0f req/s", v)
        : String.format(Locale.ROOT, "%.3f ms", v);
  }

  private static Map<String, String> errorsOf(CompareData d, String workload) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String side : List.of(Compare.ETCD, Compare.KVSTORE)) {
      Map<String, Long> merged = new LinkedHashMap<>();
      d.runs.stream().filter(r -> r.workload().equals(workload) && r.side().equals(side))
          .forEach(r -> r.result().errorCounts().forEach((k, v) -> merged.merge(k, v, Long::sum)));
      if (!merged.isEmpty()) {
        out.put(side, merged.toString());
      }
    }
    return out;
  }

  private static Result sweep(CompareData d, String w, String side, int clients) {
    return d.sweep.stream().filter(r -> r.workload().equals(w) && r.side().equals(side)
        && r.clients() == clients).map(Run::result).findFirst().orElse(null);
  }

  static void drawPlots(CompareData d, Path imgDir) throws IOException {
    for (String w : List.of("put", "range")) {
      Map<String, List<double[]>> pts = new LinkedHashMap<>();
      for (String side : List.of(Compare.ETCD, Compare.KVSTORE)) {
        List<double[]> list = new ArrayList<>();
        for (int c : Compare.SWEEP_CLIENTS) {
          Result r = sweep(d, w, side, c);
          if (r != null) {
            list.add(new double[] {c, r.throughput()});
          }
        }
        pts.put(side, list);
      }
      Charts.throughputVsClients(imgDir.resolve(w.equals("put") ? PUT_SWEEP_PNG : RANGE_SWEEP_PNG),
          (w.equals("put") ? "put, 256-byte values" : "linearizable range")
              + ": throughput against clients", pts);
    }
    Map<String, Histogram> cdf = new LinkedHashMap<>();
    for (String side : List.of(Compare.ETCD, Compare.KVSTORE)) {
      Histogram merged = null;
      for (Run r : d.runs) {
        Histogram h = r.result().histograms().get("put");
        if (r.workload().equals("put") && r.side().equals(side) && h != null) {
          if (merged == null) {
            merged = h.copy();
          } else {
            merged.add(h);
          }
        }
      }
      cdf.put(side, merged);
    }
    Charts.latencyCdf(imgDir.resolve(PUT_CDF_PNG), "put latency CDF, 100 clients, 256-byte values",
        cdf);
  }

  static String arrays(long[] a) {
    return Arrays.toString(a);
  }
}
