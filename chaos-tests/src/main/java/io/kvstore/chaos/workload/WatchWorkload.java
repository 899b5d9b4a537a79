package io.kvstore.chaos.workload;

import com.google.gson.JsonObject;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.WatchChecker;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import io.kvstore.chaos.history.WatchLog;
import io.kvstore.chaos.history.WatchLog.WatchEvent;
import io.kvstore.client.KvClient;
import io.kvstore.client.WatchCompactedException;
import io.kvstore.client.WatchHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers put unique values under {@code w/} (single puts, and two-key Txns so one revision has
 * several events) while watchers on the prefix record what they get: some from "now", some from
 * a recent revision, new ones started during the run (so across member switches), each asking for
 * progress notifications now and then. Optionally a compactor compacts a little behind the head,
 * so slow watchers meet compaction; a watcher ended by compaction is replaced by one from the
 * compact revision. At the end a marker write must reach every surviving watcher. Checked by
 * {@link WatchChecker}.
 *
 * <p>Thread-safety: see {@link Workload}.
 */
public final class WatchWorkload implements Workload {
  static final String PREFIX = "w/";
  private final int writers;
  private final boolean compact;
  private final Workers workers = new Workers();
  private final Map<String, WatchHandle> handles = new ConcurrentHashMap<>();
  private final AtomicInteger watcherIds = new AtomicInteger();
  private final AtomicLong lastAcked = new AtomicLong();
  private volatile long finalRevision;
  private KvClient watchClient;

  public WatchWorkload(int writers, boolean compact) {
    this.writers = writers;
    this.compact = compact;
  }

  @Override
  public String name() {
    return "watch";
  }

  @Override
  public boolean owns(Operation op) {
    return op.key() != null && op.key().startsWith(PREFIX);
  }

  @Override
  public void start(RunContext ctx) {
    watchClient = ctx.newClient();
    startWatcher(ctx, 0);
    startWatcher(ctx, 0);
    workers.start("watch-writer", writers, n -> writeLoop(ctx));
    workers.start("watch-admin", 1, n -> adminLoop(ctx));
  }

  private void startWatcher(RunContext ctx, long fromRevision) {
    String id = "w" + watcherIds.getAndIncrement();
    ctx.watchLog.start(id, fromRevision);
    WatchCreateRequest req = WatchCreateRequest.newBuilder().setKey(Ops.bytes(PREFIX))
        .setRangeEnd(Ops.prefixEnd(PREFIX)).setStartRevision(fromRevision)
        .setProgressNotify(true).build();
    WatchHandle h = watchClient.watch().watch(req, new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        List<WatchEvent> events = new ArrayList<>();
        for (io.kvstore.api.mvccpb.Event e : r.getEventsList()) {
          events.add(new WatchEvent(e.getKv().getModRevision(), e.getKv().getKey().toStringUtf8(),
              e.getType() == EventType.PUT ? "put" : "delete",
              e.getType() == EventType.PUT ? e.getKv().getValue().toStringUtf8() : null));
        }
        ctx.watchLog.deliver(id, new WatchLog.Delivery(System.nanoTime(),
            events.isEmpty() ? r.getHeader().getRevision() : -1, events));
      }

      @Override
      public void onError(Throwable t) {
        handles.remove(id);
        if (t instanceof WatchCompactedException c) {
          ctx.watchLog.end(id, "compacted@" + c.compactRevision());
          if (!ctx.stopping()) {
            startWatcher(ctx, c.compactRevision());
          }
        } else {
          ctx.watchLog.end(id, "error: " + t);
        }
      }

      @Override
      public void onCompleted() {
        handles.remove(id);
        ctx.watchLog.end(id, "cancelled");
      }
    });
    handles.put(id, h);
    if (fromRevision == 0) {
      Thread t = new Thread(() -> {
        for (int i = 0; i < 100 && h.nextRevision() == 0; i++) {
          Workers.pause(50);
        }
        if (h.nextRevision() > 0) {
          ctx.watchLog.resolveStart(id, h.nextRevision());
        }
      }, "watch-start-" + id);
      t.setDaemon(true);
      t.start();
    }
  }

  private void writeLoop(RunContext ctx) {
    Random random = ctx.newRandom();
    KvClient client = ctx.newClient();
    int process = ctx.newProcess();
    int counter = 0;
    long timeout = ctx.callTimeout.toSeconds() + 2;
    while (!ctx.stopping()) {
      Event.Type t;
      if (random.nextInt(4) == 0) {
        String k1 = PREFIX + random.nextInt(5);
        String k2 = PREFIX + (5 + random.nextInt(5));
        String v = process + "-" + (counter++);
        t = write(ctx, client, process, "put2", List.of(k1, k2), v, timeout);
      } else {
        String v = process + "-" + (counter++);
        t = write(ctx, client, process, "put", List.of(PREFIX + random.nextInt(10)), v, timeout);
      }
      if (t == Event.Type.INFO) {
        process = ctx.newProcess();
      }
      Workers.pause(random.nextInt(20));
    }
  }

  private Event.Type write(RunContext ctx, KvClient client, int process, String f,
      List<String> keys, String value, long timeout) {
    JsonObject in = new JsonObject();
    com.google.gson.JsonArray ks = new com.google.gson.JsonArray();
    keys.forEach(ks::add);
    in.add("keys", ks);
    in.addProperty("v", value);
    return Ops.run(ctx.history, process, f, PREFIX, in, false, () -> {
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      for (String k : keys) {
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(Ops.bytes(k)).setValue(Ops.bytes(value))));
      }
      long rev = keys.size() == 1
          ? Ops.await(client.kv().put(PutRequest.newBuilder().setKey(Ops.bytes(keys.get(0)))
              .setValue(Ops.bytes(value)).build()), timeout).getHeader().getRevision()
          : Ops.await(client.kv().txn(txn.build()), timeout).getHeader().getRevision();
      lastAcked.accumulateAndGet(rev, Math::max);
      JsonObject out = in.deepCopy();
      out.addProperty("rev", rev);
      return out;
    });
  }

  private void adminLoop(RunContext ctx) {
    Random random = ctx.newRandom();
    KvClient client = ctx.newClient();
    long lastNewWatcher = System.nanoTime();
    long lastCompact = System.nanoTime();
    while (!ctx.stopping()) {
      Workers.pause(500);
      for (WatchHandle h : handles.values()) {
        if (random.nextInt(3) == 0) {
          h.requestProgress();
        }
      }
      long now = System.nanoTime();
      if (now - lastNewWatcher > 3_000_000_000L && lastAcked.get() > 0) {
        lastNewWatcher = now;
        startWatcher(ctx, random.nextBoolean() ? 0 : Math.max(1, lastAcked.get() - 10));
      }
      if (compact && now - lastCompact > 4_000_000_000L && lastAcked.get() > 100) {
        lastCompact = now;
        long rev = lastAcked.get() - 50;
        try {
          Ops.await(client.kv().compact(CompactionRequest.newBuilder().setRevision(rev).build()),
              ctx.callTimeout.toSeconds() + 2);
        } catch (Exception e) {
          // A compaction refused or lost under a fault changes nothing the checks rely on.
        }
      }
    }
  }

  @Override
  public void awaitStopped(Duration timeout) throws InterruptedException {
    workers.await(timeout);
  }

  @Override
  public void finish(RunContext ctx) {
    KvClient client = ctx.newClient();
    Event.Type t = Event.Type.FAIL;
    for (int attempt = 0; attempt < 5 && t != Event.Type.OK; attempt++) {
      t = write(ctx, client, ctx.newProcess(), "put", List.of(PREFIX + "final"),
          "final-" + attempt, ctx.callTimeout.toSeconds() + 2);
    }
    long target = lastAcked.get();
    finalRevision = t == Event.Type.OK ? target : 0;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (WatchLog.Watcher w : ctx.watchLog.watchers()) {
        if (ctx.watchLog.running(w) && ctx.watchLog.reached(w) < target) {
          all = false;
        }
      }
      if (all) {
        break;
      }
      Workers.pause(100);
    }
    for (WatchHandle h : handles.values()) {
      h.cancel();
    }
  }

  @Override
  public List<CheckResult> check(List<Operation> ops, RunContext ctx, Duration checkTimeout) {
    return List.of(WatchChecker.check(ctx.watchLog.watchers(), acknowledged(ops), finalRevision));
  }

  /** The events each acknowledged write made, by revision. */
  public static Map<Long, List<WatchEvent>> acknowledged(List<Operation> ops) {
    Map<Long, List<WatchEvent>> acked = new TreeMap<>();
    for (Operation op : ops) {
      if (op.ok() && (op.f().equals("put") || op.f().equals("put2"))) {
        List<WatchEvent> events = new ArrayList<>();
        String v = op.input().getAsJsonObject().get("v").getAsString();
        for (var k : op.input().getAsJsonObject().getAsJsonArray("keys")) {
          events.add(new WatchEvent(op.revision(), k.getAsString(), "put", v));
        }
        acked.put(op.revision(), events);
      }
    }
    return acked;
  }
}
