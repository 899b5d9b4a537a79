package io.kvstore.chaos.workload;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.LeaseChecker;
import io.kvstore.chaos.cluster.ChaosCluster;
import io.kvstore.chaos.cluster.MemberNode;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import io.kvstore.client.EtcdException;
import io.kvstore.client.KvClient;
import io.kvstore.client.LeaseKeepAlive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys attached to leases: some leases kept alive ({@code KvClient.lease().keepAlive}), some
 * abandoned (granted, keys attached, never renewed), some kept alive for a while and then released
 * (keep-alive closed) or revoked. Each worker has its own client through proxies, so the {@code
 * isolate-client} nemesis can make its keep-alives lapse.
 *
 * <p>History ({@code key} under {@code ls/}): {@code "grant"} (input {@code {kind, ttl}}, output
 * {@code {id, ttl}}), {@code "put-lease"} of {@code ls/<lease hex>/<i>}, {@code "keepalive"} (one
 * operation per keep-alive, its own process, from start to end, output {@code {refreshes: [[time,
 * ttl], ...], end: reason}}, each refresh timed when its answer was handed over), {@code
 * "revoke"}. At the end, after healing: two more kept and two more abandoned leases, then
 * {@code "settle"} — a wait of the longest TTL plus the
 * election timeout plus 1.5 s during which the Raft leader and term did not change (repeated
 * until they do not) — then {@code "final-read"} of every key under {@code ls/} while the
 * remaining keep-alives still run, then those are closed ({@code end: "finished"}), then {@code
 * "store-history"}: every deletion under {@code ls/} from revision 1. Checked by {@link
 * LeaseChecker}.
 *
 * <p>Thread-safety: see {@link Workload}.
 */
public final class LeaseWorkload implements Workload {
  static final String PREFIX = "ls/";
  static final long[] TTLS = {2, 3, 5};
  /** kv-server's default {@code --election-timeout}: a new leader extends leases by this much. */
  static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(1);
  private static final int MAX_KEPT_PER_WORKER = 6;

  private final int workers;
  private final Workers threads = new Workers();
  /** Keep-alives still running; those left at the end run through the final read. */
  private final Set<Kept> running = ConcurrentHashMap.newKeySet();

  public LeaseWorkload(int workers) {
    this.workers = workers;
  }

  @Override
  public String name() {
    return "lease";
  }

  @Override
  public boolean owns(Operation op) {
    return op.key() != null && op.key().startsWith(PREFIX);
  }

  @Override
  public void start(RunContext ctx) {
    threads.start("lease", workers, n -> loop(ctx, n));
  }

  /** One kept-alive lease: its keep-alive handle and the history operation recording it. */
  private final class Kept implements StreamObserver<LeaseKeepAliveResponse> {
    final long id;
    final List<Long> keys = new ArrayList<>();
    private final RunContext ctx;
    private final Event invocation;
    private final JsonArray refreshes = new JsonArray();
    private volatile String closeReason = "closed";
    private boolean done;
    private LeaseKeepAlive handle;

    Kept(RunContext ctx, long id) {
      this.ctx = ctx;
      this.id = id;
      JsonObject in = new JsonObject();
      in.addProperty("lease", id);
      this.invocation = ctx.history.invoke(ctx.newProcess(), "keepalive", key(id), in);
    }

    void start(KvClient client) {
      running.add(this);
      LeaseKeepAlive h = client.lease().keepAlive(id, this);
      synchronized (this) {
        handle = h;
      }
    }

    void close(String reason) {
      closeReason = reason;
      LeaseKeepAlive h;
      synchronized (this) {
        h = handle;
      }
      if (h != null) {
        h.close();
      }
    }

    @Override
    public void onNext(LeaseKeepAliveResponse r) {
      long now = System.nanoTime();
      synchronized (this) {
        JsonArray a = new JsonArray();
        a.add(now);
        a.add(r.getTTL());
        refreshes.add(a);
      }
    }

    @Override
    public void onError(Throwable t) {
      boolean notFound = t instanceof EtcdException e && e.description() != null
          && e.description().contains("lease not found");
      end(notFound ? "not-found" : "error: " + t);
    }

    @Override
    public void onCompleted() {
      end(closeReason);
    }

    private void end(String reason) {
      JsonObject out = new JsonObject();
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
        out.addProperty("lease", id);
        out.add("refreshes", refreshes.deepCopy());
        out.addProperty("end", reason);
      }
      running.remove(this);
      ctx.history.complete(invocation, Event.Type.OK, out, null);
    }
  }

  static String key(long lease) {
    return PREFIX + Long.toHexString(lease);
  }

  private void loop(RunContext ctx, int worker) {
    Random random = ctx.newRandom();
    KvClient client = ctx.newLinkedClient("lease-client-" + worker, () -> true);
    int[] process = {ctx.newProcess()};
    List<Kept> mine = new ArrayList<>();
    long timeout = ctx.callTimeout.toSeconds() + 2;
    while (!ctx.stopping()) {
      int dice = random.nextInt(100);
      if (mine.size() < 2 || (dice < 40 && mine.size() < MAX_KEPT_PER_WORKER)) {
        Kept k = grant(ctx, client, process, random, true, timeout);
        if (k != null) {
          mine.add(k);
        }
      } else if (dice < 75) {
        grant(ctx, client, process, random, false, timeout);
      } else if (dice < 88) {
        mine.remove(random.nextInt(mine.size())).close("released");
      } else {
        Kept k = mine.remove(random.nextInt(mine.size()));
        k.close("revoked");
        JsonObject in = new JsonObject();
        in.addProperty("lease", k.id);
        track(ctx, process, Ops.run(ctx.history, process[0], "revoke", key(k.id), in, false,
            () -> {
              long rev = Ops.await(client.lease().revoke(LeaseRevokeRequest.newBuilder()
                  .setID(k.id).build()), timeout).getHeader().getRevision();
              JsonObject out = in.deepCopy();
              out.addProperty("rev", rev);
              return out;
            }));
      }
      Workers.pause(100 + random.nextInt(200));
    }
    // What is left in mine keeps running through the final read; finish closes it.
  }

  private static void track(RunContext ctx, int[] process, Event.Type t) {
    if (t == Event.Type.INFO) {
      process[0] = ctx.newProcess();
    }
  }

  /** Grants a lease, keeps it alive if {@code kept}, attaches 1–3 keys. */
  private Kept grant(RunContext ctx, KvClient client, int[] process, Random random,
      boolean kept, long timeout) {
    long ttl = TTLS[random.nextInt(TTLS.length)];
    JsonObject in = new JsonObject();
    in.addProperty("kind", kept ? "kept" : "abandoned");
    in.addProperty("ttl", ttl);
    long[] id = {0};
    Event.Type t = Ops.run(ctx.history, process[0], "grant", PREFIX, in, false, () -> {
      LeaseGrantResponse r = Ops.await(client.lease().grant(LeaseGrantRequest.newBuilder()
          .setTTL(ttl).build()), timeout);
      if (!r.getError().isEmpty()) {
        throw new IllegalStateException("grant answered with error " + r.getError());
      }
      id[0] = r.getID();
      JsonObject out = in.deepCopy();
      out.addProperty("id", r.getID());
      out.addProperty("ttl", r.getTTL());
      return out;
    });
    track(ctx, process, t);
    if (t != Event.Type.OK) {
      return null;
    }
    Kept k = null;
    if (kept) {
      k = new Kept(ctx, id[0]);
      k.start(client);
    }
    int keys = 1 + random.nextInt(3);
    for (int i = 0; i < keys; i++) {
      String key = key(id[0]) + "/" + i;
      String value = "v" + i;
      JsonObject pin = new JsonObject();
      pin.addProperty("lease", id[0]);
      pin.addProperty("v", value);
      Event.Type pt = Ops.run(ctx.history, process[0], "put-lease", key, pin, false, () -> {
        long rev = Ops.await(client.kv().put(PutRequest.newBuilder().setKey(Ops.bytes(key))
            .setValue(Ops.bytes(value)).setLease(id[0]).build()), timeout).getHeader()
            .getRevision();
        JsonObject out = pin.deepCopy();
        out.addProperty("rev", rev);
        return out;
      });
      track(ctx, process, pt);
      if (pt != Event.Type.OK) {
        break;
      }
    }
    return k;
  }

  @Override
  public void awaitStopped(Duration timeout) throws InterruptedException {
    threads.await(timeout);
  }

  @Override
  public void finish(RunContext ctx) throws Exception {
    KvClient client = ctx.newClient();
    long timeout = ctx.callTimeout.toSeconds() + 2;
    long maxTtl = 0;
    for (long t : TTLS) {
      maxTtl = Math.max(maxTtl, t);
    }
    Duration wait = Duration.ofSeconds(maxTtl).plus(ELECTION_TIMEOUT).plusMillis(1500);
    // Leases that saw no fault: the kept ones must keep their keys through the settle, while
    // the abandoned ones granted beside them expire.
    int[] fresh = {ctx.newProcess()};
    Random random = ctx.newRandom();
    for (int i = 0; i < 4; i++) {
      grant(ctx, client, fresh, random, i % 2 == 0, timeout);
    }
    int p = ctx.newProcess();
    for (int attempt = 0; attempt < 5; attempt++) {
      String before = leaderAndTerm(ctx.cluster);
      Event inv = ctx.history.invoke(p, "settle", PREFIX, null);
      Thread.sleep(wait.toMillis());
      String after = leaderAndTerm(ctx.cluster);
      JsonObject out = new JsonObject();
      out.addProperty("before", before);
      out.addProperty("after", after);
      boolean stable = before != null && before.equals(after);
      ctx.history.complete(inv, stable ? Event.Type.OK : Event.Type.FAIL, out,
          stable ? null : "the leader or its term changed");
      if (stable) {
        break;
      }
    }
    Ops.run(ctx.history, p, "final-read", PREFIX, null, true,
        () -> StoreHistory.finalRead(client, PREFIX, timeout));
    for (Kept k : List.copyOf(running)) {
      k.close("finished");
    }
    Ops.run(ctx.history, p, "store-history", PREFIX, null, true,
        () -> StoreHistory.deletions(client, PREFIX, timeout));
  }

  /** "n2@7": the member most members name as leader, and its Raft term; null if unknown. */
  private static String leaderAndTerm(ChaosCluster cluster) {
    Optional<MemberNode> leader = cluster.leader();
    if (leader.isEmpty()) {
      return null;
    }
    Optional<StatusResponse> s = cluster.status(leader.get());
    return s.map(r -> leader.get().name() + "@" + r.getRaftTerm()).orElse(null);
  }

  @Override
  public List<CheckResult> check(List<Operation> ops, RunContext ctx, Duration checkTimeout) {
    List<CheckResult> checks = new ArrayList<>(LeaseChecker.check(ops));
    // Not a verdict: what the checks had to judge, so a run that exercised little shows it.
    checks.add(CheckResult.of("lease coverage: " + LeaseChecker.coverage(ops), List.of()));
    return checks;
  }
}
