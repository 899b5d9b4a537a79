package io.kvstore.chaos.workload;

import com.google.gson.JsonObject;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.Linearizability;
import io.kvstore.chaos.checker.RegisterModel;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import io.kvstore.client.KvClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Registers, one per key {@code r/0 .. r/<keys-1>}: linearizable reads, blind writes,
 * compare-and-set on the value, and compare-and-set on the mod_revision just read (a Txn guarded
 * on {@code mod_revision}). Every written value is unique, so a value names the write that made
 * it. Checked per key for linearizability.
 *
 * <p>Thread-safety: see {@link Workload}.
 */
public final class RegisterWorkload implements Workload {
  static final String PREFIX = "r/";
  private final int keys;
  private final int concurrency;
  private final Workers workers = new Workers();

  public RegisterWorkload(int keys, int concurrency) {
    this.keys = keys;
    this.concurrency = concurrency;
  }

  @Override
  public String name() {
    return "register";
  }

  @Override
  public boolean owns(Operation op) {
    return op.key() != null && op.key().startsWith(PREFIX);
  }

  @Override
  public void start(RunContext ctx) {
    workers.start("register", concurrency, n -> loop(ctx, n));
  }

  private void loop(RunContext ctx, int worker) {
    Random random = ctx.newRandom();
    KvClient client = ctx.newClient();
    int process = ctx.newProcess();
    Map<String, String> lastSeen = new HashMap<>();
    int counter = 0;
    long[] mod = new long[1];
    long timeout = ctx.callTimeout.toSeconds() + 2;
    while (!ctx.stopping()) {
      String key = PREFIX + random.nextInt(keys);
      int dice = random.nextInt(100);
      int p = process;
      Event.Type t;
      if (dice < 40) {
        t = read(ctx, client, p, key, lastSeen, timeout, mod);
      } else if (dice < 70) {
        String v = p + "-" + (counter++);
        JsonObject in = new JsonObject();
        in.addProperty("v", v);
        t = Ops.run(ctx.history, p, "write", key, in, false, () -> {
          long rev = Ops.await(client.kv().put(PutRequest.newBuilder().setKey(Ops.bytes(key))
              .setValue(Ops.bytes(v)).build()), timeout).getHeader().getRevision();
          JsonObject out = in.deepCopy();
          out.addProperty("rev", rev);
          return out;
        });
        if (t == Event.Type.OK) {
          lastSeen.put(key, v);
        }
      } else if (dice < 85) {
        String from = lastSeen.getOrDefault(key, RegisterModel.ABSENT);
        String to = p + "-" + (counter++);
        Compare cmp = from.isEmpty()
            ? Compare.newBuilder().setKey(Ops.bytes(key)).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0).build()
            : Compare.newBuilder().setKey(Ops.bytes(key)).setTarget(Compare.CompareTarget.VALUE)
                .setResult(Compare.CompareResult.EQUAL).setValue(Ops.bytes(from)).build();
        t = cas(ctx, client, p, "cas", key, from, to, cmp, timeout);
        if (t == Event.Type.OK) {
          lastSeen.put(key, to);
        }
      } else {
        t = read(ctx, client, p, key, lastSeen, timeout, mod);
        if (t == Event.Type.OK) {
          String from = lastSeen.getOrDefault(key, RegisterModel.ABSENT);
          long modRev = mod[0];
          String to = p + "-" + (counter++);
          Compare cmp = Compare.newBuilder().setKey(Ops.bytes(key))
              .setTarget(Compare.CompareTarget.MOD).setResult(Compare.CompareResult.EQUAL)
              .setModRevision(modRev).build();
          t = cas(ctx, client, p, "cas-rev", key, from, to, cmp, timeout);
          if (t == Event.Type.OK) {
            lastSeen.put(key, to);
          }
        }
      }
      if (t == Event.Type.INFO) {
        process = ctx.newProcess();
      }
    }
  }

  /** Reads {@code key}; on success {@code mod[0]} holds its mod_revision (0: absent). */
  private Event.Type read(RunContext ctx, KvClient client, int p, String key,
      Map<String, String> lastSeen, long timeout, long[] mod) {
    Event.Type t = Ops.run(ctx.history, p, "read", key, null, true, () -> {
      RangeResponse r = Ops.await(client.kv().range(RangeRequest.newBuilder()
          .setKey(Ops.bytes(key)).build()), timeout);
      JsonObject out = new JsonObject();
      if (r.getKvsCount() == 0) {
        out.add("v", com.google.gson.JsonNull.INSTANCE);
        lastSeen.put(key, RegisterModel.ABSENT);
        mod[0] = 0;
      } else {
        String v = r.getKvs(0).getValue().toStringUtf8();
        out.addProperty("v", v);
        lastSeen.put(key, v);
        mod[0] = r.getKvs(0).getModRevision();
      }
      out.addProperty("rev", r.getHeader().getRevision());
      return out;
    });
    return t;
  }

  private Event.Type cas(RunContext ctx, KvClient client, int p, String f, String key,
      String from, String to, Compare cmp, long timeout) {
    JsonObject in = new JsonObject();
    in.addProperty("from", from);
    in.addProperty("to", to);
    return Ops.run(ctx.history, p, f, key, in, false, () -> {
      TxnResponse r = Ops.await(client.kv().txn(TxnRequest.newBuilder().addCompare(cmp)
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
              .setKey(Ops.bytes(key)).setValue(Ops.bytes(to)))).build()), timeout);
      if (!r.getSucceeded()) {
        throw new Ops.CompareFailed();
      }
      JsonObject out = in.deepCopy();
      out.addProperty("rev", r.getHeader().getRevision());
      return out;
    });
  }

  @Override
  public void awaitStopped(Duration timeout) throws InterruptedException {
    workers.await(timeout);
  }

  @Override
  public void finish(RunContext ctx) {
    KvClient client = ctx.newClient();
    int p = ctx.newProcess();
    Map<String, String> seen = new HashMap<>();
    for (int k = 0; k < keys; k++) {
      read(ctx, client, p, PREFIX + k, seen, ctx.callTimeout.toSeconds() + 2, new long[1]);
    }
  }

  @Override
  public List<CheckResult> check(List<Operation> ops, RunContext ctx, Duration checkTimeout) {
    return List.of(Linearizability.check("register linearizability", ops, new RegisterModel(),
        checkTimeout));
  }
}
