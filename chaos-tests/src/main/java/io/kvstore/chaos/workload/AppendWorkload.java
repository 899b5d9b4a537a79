package io.kvstore.chaos.workload;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.checker.Linearizability;
import io.kvstore.chaos.checker.ListAppendModel;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import io.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Jepsen's list-append over key groups {@code a/<g>/<k>}: each transaction reads the group with
 * one linearizable range, then commits its appends in one Txn guarded on the mod_revision of
 * every key it touches (create_revision 0 for an absent key); a failed guard is a definite
 * {@code fail}. Read-only transactions are the range alone. Each group is checked for
 * linearizability of whole transactions (strict serializability), and at the end every
 * acknowledged append must be in its list, exactly once.
 *
 * <p>Thread-safety: see {@link Workload}.
 */
public final class AppendWorkload implements Workload {
  static final String PREFIX = "a/";
  private static final int KEYS_PER_GROUP = 3;
  private final int groups;
  private final int concurrency;
  private final Workers workers = new Workers();
  private final List<JsonObject> finalReads = new ArrayList<>();

  public AppendWorkload(int groups, int concurrency) {
    this.groups = groups;
    this.concurrency = concurrency;
  }

  @Override
  public String name() {
    return "append";
  }

  @Override
  public boolean owns(Operation op) {
    return op.key() != null && op.key().startsWith(PREFIX);
  }

  @Override
  public void start(RunContext ctx) {
    workers.start("append", concurrency, n -> loop(ctx));
  }

  private void loop(RunContext ctx) {
    Random random = ctx.newRandom();
    KvClient client = ctx.newClient();
    int process = ctx.newProcess();
    long timeout = ctx.callTimeout.toSeconds() + 2;
    int counter = 0;
    while (!ctx.stopping()) {
      String group = PREFIX + random.nextInt(groups) + "/";
      JsonArray mops = new JsonArray();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        JsonArray mop = new JsonArray();
        String k = group + random.nextInt(KEYS_PER_GROUP);
        if (random.nextBoolean()) {
          mop.add("append");
          mop.add(k);
          mop.add(process + "." + (counter++));
        } else {
          mop.add("r");
          mop.add(k);
          mop.add(com.google.gson.JsonNull.INSTANCE);
        }
        mops.add(mop);
      }
      Event.Type t = txn(ctx, client, process, group, mops, timeout);
      if (t == Event.Type.INFO) {
        process = ctx.newProcess();
      }
    }
  }

  private Event.Type txn(RunContext ctx, KvClient client, int process, String group,
      JsonArray mops, long timeout) {
    JsonObject in = new JsonObject();
    in.add("ops", mops);
    boolean readOnly = true;
    for (JsonElement m : mops) {
      readOnly &= !m.getAsJsonArray().get(0).getAsString().equals("append");
    }
    boolean ro = readOnly;
    return Ops.run(ctx.history, process, "txn", group, in, readOnly, () -> {
      RangeResponse r = Ops.await(client.kv().range(RangeRequest.newBuilder()
          .setKey(Ops.bytes(group)).setRangeEnd(Ops.prefixEnd(group)).build()), timeout);
      Map<String, KeyValue> current = new HashMap<>();
      for (KeyValue kv : r.getKvsList()) {
        current.put(kv.getKey().toStringUtf8(), kv);
      }
      Map<String, List<String>> lists = new HashMap<>();
      JsonArray outOps = new JsonArray();
      Set<String> touched = new HashSet<>();
      Map<String, List<String>> writes = new LinkedHashMap<>();
      for (JsonElement e : mops) {
        JsonArray mop = e.getAsJsonArray();
        String k = mop.get(1).getAsString();
        touched.add(k);
        List<String> list = lists.computeIfAbsent(k, x -> parse(current.get(x)));
        JsonArray out = new JsonArray();
        out.add(mop.get(0));
        out.add(k);
        if (mop.get(0).getAsString().equals("append")) {
          list.add(mop.get(2).getAsString());
          writes.put(k, list);
          out.add(mop.get(2));
        } else {
          JsonArray read = new JsonArray();
          list.forEach(read::add);
          out.add(read);
        }
        outOps.add(out);
      }
      JsonObject result = new JsonObject();
      result.add("ops", outOps);
      if (ro) {
        result.addProperty("rev", r.getHeader().getRevision());
        return result;
      }
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      for (String k : touched) {
        KeyValue kv = current.get(k);
        txn.addCompare(kv == null
            ? Compare.newBuilder().setKey(Ops.bytes(k)).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0).build()
            : Compare.newBuilder().setKey(Ops.bytes(k)).setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.EQUAL).setModRevision(kv.getModRevision())
                .build());
      }
      for (Map.Entry<String, List<String>> w : writes.entrySet()) {
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(Ops.bytes(w.getKey())).setValue(Ops.bytes(String.join(",", w.getValue())))));
      }
      TxnResponse resp = Ops.await(client.kv().txn(txn.build()), timeout);
      if (!resp.getSucceeded()) {
        throw new Ops.CompareFailed();
      }
      result.addProperty("rev", resp.getHeader().getRevision());
      return result;
    });
  }

  private static List<String> parse(KeyValue kv) {
    List<String> list = new ArrayList<>();
    if (kv != null && !kv.getValue().isEmpty()) {
      list.addAll(List.of(kv.getValue().toStringUtf8().split(",")));
    }
    return list;
  }

  @Override
  public void awaitStopped(Duration timeout) throws InterruptedException {
    workers.await(timeout);
  }

  @Override
  public void finish(RunContext ctx) {
    KvClient client = ctx.newClient();
    int p = ctx.newProcess();
    for (int g = 0; g < groups; g++) {
      JsonArray mops = new JsonArray();
      for (int k = 0; k < KEYS_PER_GROUP; k++) {
        JsonArray mop = new JsonArray();
        mop.add("r");
        mop.add(PREFIX + g + "/" + k);
        mop.add(com.google.gson.JsonNull.INSTANCE);
        mops.add(mop);
      }
      txn(ctx, client, p, PREFIX + g + "/", mops, ctx.callTimeout.toSeconds() + 2);
    }
  }

  @Override
  public List<CheckResult> check(List<Operation> ops, RunContext ctx, Duration checkTimeout) {
    return List.of(
        Linearizability.check("append strict serializability", ops, new ListAppendModel(),
            checkTimeout),
        durability(ops, groups));
  }

  /**
   * Every acknowledged append is in the last read of its key, exactly once, and nothing is there
   * that no one appended. The final reads are the last read-only transactions of each group.
   */
  public static CheckResult durability(List<Operation> ops, int groups) {
    Map<String, List<String>> finalLists = new HashMap<>();
    Set<String> attempted = new HashSet<>();
    Map<String, String> acked = new LinkedHashMap<>();
    for (Operation op : ops) {
      for (JsonElement e : op.input().getAsJsonObject().getAsJsonArray("ops")) {
        JsonArray m = e.getAsJsonArray();
        if (m.get(0).getAsString().equals("append")) {
          attempted.add(m.get(1).getAsString() + "=" + m.get(2).getAsString());
          if (op.ok()) {
            acked.put(m.get(2).getAsString(), m.get(1).getAsString());
          }
        }
      }
      if (op.ok()) {
        for (JsonElement e : op.output().getAsJsonObject().getAsJsonArray("ops")) {
          JsonArray m = e.getAsJsonArray();
          if (m.get(0).getAsString().equals("r")) {
            List<String> l = new ArrayList<>();
            m.get(2).getAsJsonArray().forEach(x -> l.add(x.getAsString()));
            finalLists.put(m.get(1).getAsString(), l);
          }
        }
      }
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> a : acked.entrySet()) {
      List<String> l = finalLists.get(a.getValue());
      if (l == null) {
        problems.add("no final read of " + a.getValue());
        break;
      }
      long count = l.stream().filter(a.getKey()::equals).count();
      if (count != 1 && problems.size() < 10) {
        problems.add("acknowledged append of " + a.getKey() + " to " + a.getValue()
            + " is in the final list " + count + " times");
      }
    }
    for (Map.Entry<String, List<String>> f : finalLists.entrySet()) {
      for (String x : f.getValue()) {
        if (!attempted.contains(f.getKey() + "=" + x) && problems.size() < 10) {
          problems.add("final list of " + f.getKey() + " holds " + x + ", never appended there");
        }
      }
    }
    return CheckResult.of("append durability", problems);
  }
}
