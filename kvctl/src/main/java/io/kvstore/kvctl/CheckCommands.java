package io.kvstore.kvctl;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.DefragmentRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.client.KvClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** etcdctl's check perf: the same workloads, pass/fail criteria and output. */
@Command(name = "check", description = "commands for checking properties of the etcd cluster",
    subcommands = {CheckCommands.Perf.class})
final class CheckCommands extends Kvctl.Cmd implements Runnable {
  @Override
  public void run() {
    spec.commandLine().usage(root().out);
  }

  /** etcdctl's checkPerfCfg: writes per second, concurrent clients, seconds. */
  record Load(int limit, int clients, int duration) {}

  static final Map<String, Load> LOADS = Map.of(
      "s", new Load(150, 50, 60), "m", new Load(1000, 200, 60),
      "l", new Load(8000, 500, 60), "xl", new Load(15000, 1000, 60));
  static final Map<String, String> ALIASES = Map.of("s", "s", "small", "s", "m", "m",
      "medium", "m", "l", "l", "large", "l", "xl", "xl", "xLarge", "xl");

  @Command(name = "perf", description = "Check the performance of the etcd cluster",
      customSynopsis = "kvctl check perf [options]")
  static final class Perf extends Kvctl.Cmd implements Runnable {
    @Option(names = "--load", defaultValue = "s", description = "The performance check's "
        + "workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)")
    String load;
    @Option(names = "--prefix", defaultValue = "/etcdctl-check-perf/",
        description = "The prefix for writing the performance check's keys.")
    String prefix;
    @Option(names = "--auto-compact", arity = "0..1", fallbackValue = "true",
        description = "Compact storage with last revision after test is finished.")
    boolean autoCompact;
    @Option(names = "--auto-defrag", arity = "0..1", fallbackValue = "true",
        description = "Defragment storage after test is finished.")
    boolean autoDefrag;
    /** Not in etcdctl: shortens the run for tests. */
    @Option(names = "--duration-seconds", hidden = true, defaultValue = "0")
    int durationSeconds;

    @Override
    public void run() {
      String model = ALIASES.get(load);
      if (model == null) {
        throw new KvctlException(ExitCodes.BAD_FEATURE, "unknown load option " + load);
      }
      Load cfg = LOADS.get(model);
      int duration = durationSeconds > 0 ? durationSeconds : cfg.duration();
      Kvctl root = root();
      int channels = Math.min(cfg.clients(), 16);
      List<KvClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < channels; i++) {
          clients.add(root.client());
        }
        KvClient first = clients.get(0);
        var existing = Kvctl.await(first.kv().range(RangeRequest.newBuilder()
            .setKey(KvCommands.bytes(prefix)).setRangeEnd(KvCommands.prefixEnd(
                KvCommands.bytes(prefix))).setLimit(1).build()), ExitCodes.ERROR);
        if (existing.getKvsCount() > 0) {
          throw new KvctlException(ExitCodes.INVALID_INPUT, "prefix " + GoText.quote(prefix)
              + " has keys. Delete with etcdctl del --prefix " + prefix + " first");
        }
        ByteString value = ByteString.copyFrom(new byte[1024]);
        ByteString pfx = KvCommands.bytes(prefix);
        Semaphore slots = new Semaphore(cfg.clients());
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        ProgressBar bar = new ProgressBar(root.err, root.stderrTty, "check perf", duration);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(duration);
        long intervalNanos = 1_000_000_000L / cfg.limit();
        long next = start;
        long lastSecond = 0;
        int n = 0;
        while (true) {
          long now = System.nanoTime();
          if (now >= end) {
            break;
          }
          if (now < next) {
            TimeUnit.NANOSECONDS.sleep(Math.min(next - now, end - now));
            continue;
          }
          next += intervalNanos;
          slots.acquire();
          byte[] k = new byte[256];
          putVarint(k, ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
          long st = System.nanoTime();
          clients.get(n++ % channels).kv().put(PutRequest.newBuilder()
              .setKey(pfx.concat(ByteString.copyFrom(k))).setValue(value).build())
              .whenComplete((r, t) -> {
                if (t == null) {
                  latencies.add((System.nanoTime() - st) / 1e9);
                } else {
                  errors.computeIfAbsent(Kvctl.errorText(t.getCause() != null
                      && t instanceof java.util.concurrent.CompletionException ? t.getCause() : t),
                      e -> new AtomicLong()).incrementAndGet();
                }
                slots.release();
              });
          long second = (now - start) / 1_000_000_000L;
          if (second > lastSecond) {
            bar.advance(second - lastSecond);
            lastSecond = second;
          }
        }
        slots.acquire(cfg.clients());
        double total = (System.nanoTime() - start) / 1e9;
        bar.advance(duration - lastSecond);
        bar.finish();
        DeleteRangeResponse d = Kvctl.await(first.kv().delete(DeleteRangeRequest.newBuilder()
            .setKey(pfx).setRangeEnd(KvCommands.prefixEnd(pfx)).build()), ExitCodes.ERROR);
        if (autoCompact) {
          long rev = d.getHeader().getRevision();
          root.out.print("Compacting with revision " + rev + "\n");
          Kvctl.await(first.kv().compact(CompactionRequest.newBuilder().setRevision(rev)
              .setPhysical(true).build()), ExitCodes.ERROR);
          root.out.print("Compacted with revision " + rev + "\n");
        }
        if (autoDefrag) {
          for (String ep : root.endpoints()) {
            root.out.print("Defragmenting " + GoText.quote(ep) + "\n");
            try (KvClient c = root.client(List.of(ep))) {
              Kvctl.await(c.maintenance().defragment(DefragmentRequest.getDefaultInstance()),
                  ExitCodes.ERROR);
            }
            root.out.print("Defragmented " + GoText.quote(ep) + "\n");
          }
        }
        report(root, cfg, latencies, errors, total);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvctlException(ExitCodes.INTERRUPTED, "interrupted");
      } finally {
        clients.forEach(KvClient::close);
      }
    }

    private static void report(Kvctl root, Load cfg, ConcurrentLinkedQueue<Double> latencies,
        Map<String, AtomicLong> errors, double totalSeconds) {
      List<Double> lats = new ArrayList<>(latencies);
      double rps = lats.size() / totalSeconds;
      double slowest = lats.stream().mapToDouble(Double::doubleValue).max().orElse(0);
      double mean = lats.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double variance = lats.stream().mapToDouble(l -> (l - mean) * (l - mean)).sum()
          / Math.max(1, lats.size());
      double stddev = Math.sqrt(variance);
      boolean ok = true;
      StringBuilder out = new StringBuilder();
      if (!errors.isEmpty()) {
        out.append("FAIL: too many errors\n");
        new TreeMap<>(errors).forEach((k, v) -> out.append("FAIL: ERROR(").append(k)
            .append(") -> ").append(v.get()).append('\n'));
        ok = false;
      }
      if (rps / cfg.limit() <= 0.9) {
        out.append("FAIL: Throughput too low: ").append((int) rps + 1).append(" writes/s\n");
        ok = false;
      } else {
        out.append("PASS: Throughput is ").append((int) rps + 1).append(" writes/s\n");
      }
      if (slowest > 0.5) {
        out.append(String.format("Slowest request took too long: %fs%n", slowest));
        ok = false;
      } else {
        out.append(String.format("PASS: Slowest request took %fs%n", slowest));
      }
      if (stddev > 0.1) {
        out.append(String.format("Stddev too high: %fs%n", stddev));
        ok = false;
      } else {
        out.append(String.format("PASS: Stddev is %fs%n", stddev));
      }
      out.append(ok ? "PASS\n" : "FAIL\n");
      root.out.print(out);
      if (!ok) {
        throw KvctlException.silent(ExitCodes.ERROR);
      }
    }

    /** Go's binary.PutVarint (zig-zag). */
    static void putVarint(byte[] buf, long x) {
      long ux = (x << 1) ^ (x >> 63);
      int i = 0;
      while ((ux & ~0x7fL) != 0) {
        buf[i++] = (byte) ((ux & 0x7f) | 0x80);
        ux >>>= 7;
      }
      buf[i] = (byte) ux;
    }
  }
}
