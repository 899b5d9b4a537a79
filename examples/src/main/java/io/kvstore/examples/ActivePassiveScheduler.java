package io.kvstore.examples;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvCoordinationStore;
import io.kvstore.lease.LeaderCallbacks;
import io.kvstore.lease.LeaderContext;
import io.kvstore.lease.LeaderElector;
import io.kvstore.lease.LeaderElectorConfig;
import io.kvstore.lease.TxnOutcome;
import io.kvstore.lease.WriteOp;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One replica of an active/passive "scheduler": run three with different {@code --identity};
 * exactly one leads and makes decisions, the others stand by and take over when it dies, pauses
 * or is cut off. Every decision is a write guarded by the leader's fencing token ({@link
 * LeaderContext#guardedTxn}), so a deposed leader that wakes up cannot write.
 *
 * <pre>
 * java -cp ... io.kvstore.examples.ActivePassiveScheduler --endpoints=127.0.0.1:22379 \
 *     --identity=scheduler-1 [--lease-duration=2s --renew-deadline=1500ms --retry-period=250ms]
 * </pre>
 *
 * <p>It prints one line per event on stdout, {@code EVENT <epoch-ms> <what> ...}: {@code LEADER
 * <identity>}, {@code STARTED <token>}, {@code STOPPED <token>}, {@code WRITE <token> <seq>
 * ok|refused|failed}. A decision is the key {@code <election>-decisions/<token>/<seq>}, outside
 * the election's own prefix {@code <election>/}, where every key is a candidate.
 *
 * <p>Thread-safety: the elector's callbacks and the decision loop share only thread-safe state.
 */
public final class ActivePassiveScheduler implements LeaderCallbacks {
  private static final PrintStream OUT = System.out;

  private final String election;
  private final long decisionEveryMs;

  private ActivePassiveScheduler(String election, long decisionEveryMs) {
    this.election = election;
    this.decisionEveryMs = decisionEveryMs;
  }

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> flags = parse(args);
    String election = flags.getOrDefault("election", "scheduler");
    LeaderElectorConfig config = LeaderElectorConfig.of(election, require(flags, "identity"))
        .withTiming(duration(flags, "lease-duration", "2s"),
            duration(flags, "renew-deadline", "1500ms"),
            duration(flags, "retry-period", "250ms"));
    ActivePassiveScheduler scheduler = new ActivePassiveScheduler(election,
        duration(flags, "decision-every", "100ms").toMillis());
    KvClient client = KvClient.builder()
        .endpoints(Arrays.asList(require(flags, "endpoints").split(",")))
        .callTimeout(Duration.ofSeconds(2)).build();
    LeaderElector elector = new LeaderElector(new KvCoordinationStore(client), config, scheduler);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      elector.close();
      client.close();
      stop.countDown();
    }));
    elector.start();
    stop.await();
  }

  @Override
  public void onStartedLeading(LeaderContext context) {
    long token = context.fencingToken();
    event("STARTED " + token);
    long seq = 0;
    while (context.isLeading()) {
      seq++;
      String key = election + "-decisions/" + token + "/" + seq;
      String outcome;
      try {
        TxnOutcome result = context.guardedTxn(List.of(WriteOp.put(key,
            ("decided by term " + token).getBytes(StandardCharsets.UTF_8))))
            .get(5, TimeUnit.SECONDS);
        outcome = result.succeeded() ? "ok" : "refused";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        outcome = "failed";
      }
      event("WRITE " + token + " " + seq + " " + outcome);
      try {
        context.stopped().toCompletableFuture().get(decisionEveryMs, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        // the pause between decisions ended without the term ending
      }
    }
  }

  @Override
  public void onStoppedLeading() {
    event("STOPPED");
  }

  @Override
  public void onNewLeader(String identity) {
    event("LEADER " + identity);
  }

  private static void event(String what) {
    synchronized (OUT) {
      OUT.println("EVENT " + System.currentTimeMillis() + " " + what);
      OUT.flush();
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      flags.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    return flags;
  }

  private static String require(Map<String, String> flags, String name) {
    String value = flags.get(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  private static Duration duration(Map<String, String> flags, String name, String fallback) {
    String v = flags.getOrDefault(name, fallback);
    if (v.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    }
    if (v.endsWith("s")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1))
          * 1000));
    }
    throw new IllegalArgumentException("--" + name + ": expected a duration like 2s or 250ms,"
        + " got " + v);
  }
}
