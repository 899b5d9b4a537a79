package io.kvstore.chaos.workload;

import com.google.gson.JsonObject;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.ElectionChecker;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvCoordinationStore;
import io.kvstore.lease.LeaderCallbacks;
import io.kvstore.lease.LeaderContext;
import io.kvstore.lease.LeaderElector;
import io.kvstore.lease.LeaderElectorConfig;
import io.kvstore.lease.TxnOutcome;
import io.kvstore.lease.WriteOp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leader election as applications use it: {@code replicas} {@link LeaderElector}s in the test JVM,
 * each over a {@link KvCoordinationStore} on a {@link KvClient} of its own that reaches the
 * members through proxies the {@code isolate-client} nemesis can cut (preferring the replica that
 * leads). While a replica leads it makes guarded writes ({@link LeaderContext#guardedTxn}) of
 * {@code ed/<token>/<seq>}, outside the election prefix {@code el/}.
 *
 * <p>Besides the nemesis, the workload hands leadership over itself every 3–7 s: the leading
 * replica resigns, or crashes (its connections dropped, so its lease must expire) and restarts.
 *
 * <p>The history holds each term as one operation of its own process ({@code f = "term"}, input
 * {@code {replica, token}}): invoked when {@code onStartedLeading} runs, completed when the term's
 * context stops or the replica's loop first sees {@code isLeading()} false, whichever is first —
 * both on the test JVM's one clock. Each guarded write is an operation ({@code
 * "guarded-write"}): ok when the guard held, fail when the store refused it (the term had ended
 * in the store) or the client knows it was not applied, info when unknown. At the end the
 * electors resign, and the workload reads every {@code ed/} key ({@code "final-read"}) and every
 * deletion under {@code el/} from revision 1 ({@code "store-history"}). Checked by {@link
 * ElectionChecker}.
 *
 * <p>Thread-safety: see {@link Workload}.
 */
public final class ElectionWorkload implements Workload {
  static final String ELECTION = "el";
  static final String PREFIX = ELECTION + "/";
  static final String DATA = "ed/";
  /** Lease 3 s, renew deadline 2 s, retry 0.5 s: a 1 s margin between stopping and expiry. */
  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
  static final Duration RETRY = Duration.ofMillis(500);
  /**
   * The replicas' call deadline: longer than the {@code isolate-client} hold (the run's interval,
   * 5 s by default), so a write held while its replica was cut off is answered after the heal —
   * refused by the guard, as the term has ended meanwhile — instead of timing out unknown.
   */
  static final Duration REPLICA_CALL_TIMEOUT = Duration.ofSeconds(7);

  private final int replicas;
  private final List<Replica> list = new ArrayList<>();
  private final Set<Thread> termThreads = ConcurrentHashMap.newKeySet();
  private final Workers handover = new Workers();

  public ElectionWorkload(int replicas) {
    this.replicas = replicas;
  }

  @Override
  public String name() {
    return "election";
  }

  @Override
  public boolean owns(Operation op) {
    return op.key() != null && (op.key().startsWith(PREFIX) || op.key().startsWith(DATA));
  }

  /**
   * One application replica: an elector on a client of its own. A crash replaces both (a new
   * incarnation, as a restarted process), a resignation only the elector.
   */
  private final class Replica {
    final String id;
    final Random random;
    int incarnation;
    String link;
    KvClient client;
    volatile LeaderElector elector;

    Replica(String id, Random random) {
      this.id = id;
      this.random = random;
    }

    boolean isLeading() {
      LeaderElector e = elector;
      return e != null && e.isLeading();
    }

    void connect(RunContext ctx) {
      link = incarnation == 0 ? id : id + "#" + incarnation;
      client = ctx.newLinkedClient(link, this::isLeading, REPLICA_CALL_TIMEOUT);
    }

    void campaign(RunContext ctx) {
      LeaderElectorConfig config = LeaderElectorConfig.of(ELECTION, id)
          .withTiming(LEASE, RENEW_DEADLINE, RETRY);
      elector = new LeaderElector(new KvCoordinationStore(client), config,
          new LeaderCallbacks() {
            @Override
            public void onStartedLeading(LeaderContext context) {
              lead(ctx, id, context, random);
            }

            @Override
            public void onStoppedLeading() {
            }
          }).start();
    }
  }

  @Override
  public void start(RunContext ctx) {
    for (int i = 0; i < replicas; i++) {
      Replica r = new Replica("replica-" + i, ctx.newRandom());
      r.connect(ctx);
      list.add(r);
    }
    list.forEach(r -> r.campaign(ctx));
    handover.start("election-handover", 1, n -> handoverLoop(ctx));
  }

  /**
   * Every 3–7 s the leading replica either resigns (its elector closed, which revokes its lease,
   * and a new one started) or crashes: its connections are dropped first, so it cannot revoke
   * and the standbys wait for its lease to expire, then it restarts with a new client.
   */
  private void handoverLoop(RunContext ctx) {
    Random random = ctx.newRandom();
    int process = ctx.newProcess();
    while (!ctx.stopping()) {
      Workers.pause(3000 + random.nextInt(4000));
      if (ctx.stopping()) {
        return;
      }
      Replica r = list.stream().filter(Replica::isLeading).findFirst().orElse(null);
      if (r == null) {
        continue;
      }
      boolean crash = random.nextBoolean();
      JsonObject in = new JsonObject();
      in.addProperty("replica", r.id);
      Event inv = ctx.history.invoke(process, crash ? "crash" : "resign", PREFIX, in);
      if (crash) {
        ctx.cluster.unlinkClient(r.link);
        r.elector.close();
        r.client.close();
        r.incarnation++;
        r.connect(ctx);
      } else {
        r.elector.close();
      }
      r.campaign(ctx);
      ctx.history.complete(inv, Event.Type.OK, in, null);
    }
  }

  /** One term of replica {@code id}: record it, write under its guard until it ends. */
  private void lead(RunContext ctx, String id, LeaderContext context, Random random) {
    termThreads.add(Thread.currentThread());
    try {
      long token = context.fencingToken();
      JsonObject term = new JsonObject();
      term.addProperty("replica", id);
      term.addProperty("token", token);
      Event inv = ctx.history.invoke(ctx.newProcess(), "term", PREFIX, term);
      AtomicBoolean ended = new AtomicBoolean();
      Runnable end = () -> {
        if (ended.compareAndSet(false, true)) {
          ctx.history.complete(inv, Event.Type.OK, term, null);
        }
      };
      context.stopped().thenRun(end);
      int process = ctx.newProcess();
      long seq = 0;
      long timeout = REPLICA_CALL_TIMEOUT.toSeconds() + 2;
      while (!ctx.stopping()) {
        if (!context.isLeading()) {
          end.run();
          return;
        }
        String key = DATA + token + "/" + (seq++);
        String value = id + "/" + token + "/" + (seq - 1);
        JsonObject in = new JsonObject();
        in.addProperty("replica", id);
        in.addProperty("token", token);
        in.addProperty("v", value);
        Event.Type t = Ops.run(ctx.history, process, "guarded-write", key, in, false, () -> {
          TxnOutcome o = Ops.await(context.guardedTxn(List.of(WriteOp.put(key,
              value.getBytes(StandardCharsets.UTF_8)))), timeout);
          if (!o.succeeded()) {
            throw new Ops.CompareFailed();
          }
          JsonObject out = in.deepCopy();
          out.addProperty("rev", o.revision());
          return out;
        });
        if (t == Event.Type.INFO) {
          process = ctx.newProcess();
        }
        Workers.pause(50 + random.nextInt(100));
      }
      // Still leading when the run stops: the term ends when the elector is closed.
    } finally {
      termThreads.remove(Thread.currentThread());
    }
  }

  @Override
  public void awaitStopped(Duration timeout) throws InterruptedException {
    handover.await(timeout);
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (Replica r : list) {
      closing.add(CompletableFuture.runAsync(r.elector::close));
    }
    try {
      CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // An elector that cannot revoke its lease lets it expire; the checks allow for that.
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : List.copyOf(termThreads)) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
  }

  @Override
  public void finish(RunContext ctx) throws Exception {
    KvClient client = ctx.newClient();
    long timeout = ctx.callTimeout.toSeconds() + 2;
    // The last leader resigned on close, or its lease expires: wait for the election to empty.
    long deadline = System.nanoTime() + LEASE.plusSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        long left = Ops.await(client.kv().range(RangeRequest.newBuilder()
            .setKey(Ops.bytes(PREFIX)).setRangeEnd(Ops.prefixEnd(PREFIX)).setCountOnly(true)
            .build()), timeout).getCount();
        if (left == 0) {
          break;
        }
      } catch (Exception e) {
        // retry until the deadline
      }
      Workers.pause(200);
    }
    int p = ctx.newProcess();
    Ops.run(ctx.history, p, "final-read", DATA, null, true,
        () -> StoreHistory.finalRead(client, DATA, timeout));
    Ops.run(ctx.history, p, "store-history", PREFIX, null, true,
        () -> StoreHistory.deletions(client, PREFIX, timeout));
  }

  @Override
  public List<CheckResult> check(List<Operation> ops, RunContext ctx, Duration checkTimeout) {
    List<CheckResult> checks = new ArrayList<>(ElectionChecker.check(ops));
    // Not a verdict: what the checks had to judge, so a run that exercised little shows it.
    checks.add(CheckResult.of("election coverage: " + ElectionChecker.coverage(ops), List.of()));
    return checks;
  }
}
