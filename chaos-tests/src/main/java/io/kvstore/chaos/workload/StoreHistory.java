package io.kvstore.chaos.workload;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.client.KvClient;
import io.kvstore.client.WatchHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads every deletion the store ever made under a prefix: a watch from revision 1 with {@code
 * prev_kv}, followed until a progress notification passes the revision read just before. The
 * runs that use it never compact, so the whole history is there.
 *
 * <p>Thread-safety: stateless.
 */
final class StoreHistory {
  private StoreHistory() {}

  /**
   * The deletions under {@code prefix} as {@code {"head": rev, "deletes": [[key, deleteRevision,
   * createRevision, lease, prevKv], ...]}} in revision order: the deleted incarnation's create
   * revision and lease come from the event's {@code prev_kv} ({@code prevKv} 1), or, if the
   * store left it out ({@code prevKv} 0), from the last put of the key the watch delivered.
   */
  static JsonObject deletions(KvClient client, String prefix, long timeoutSeconds)
      throws Exception {
    long head = Ops.await(client.kv().range(RangeRequest.newBuilder()
        .setKey(Ops.bytes(prefix)).setRangeEnd(Ops.prefixEnd(prefix)).setCountOnly(true)
        .build()), timeoutSeconds).getHeader().getRevision();
    Map<String, KeyValue> current = new HashMap<>();
    JsonArray deletes = new JsonArray();
    CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    WatchHandle watch = client.watch().watch(WatchCreateRequest.newBuilder()
        .setKey(Ops.bytes(prefix)).setRangeEnd(Ops.prefixEnd(prefix)).setStartRevision(1)
        .setPrevKv(true).build(), new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            synchronized (deletes) {
              for (io.kvstore.api.mvccpb.Event e : r.getEventsList()) {
                String key = e.getKv().getKey().toStringUtf8();
                if (e.getType() == EventType.PUT) {
                  current.put(key, e.getKv());
                  continue;
                }
                KeyValue prev = e.hasPrevKv() ? e.getPrevKv() : current.get(key);
                JsonArray d = new JsonArray();
                d.add(key);
                d.add(e.getKv().getModRevision());
                d.add(prev == null ? 0 : prev.getCreateRevision());
                d.add(prev == null ? 0 : prev.getLease());
                d.add(e.hasPrevKv() ? 1 : 0);
                deletes.add(d);
                current.remove(key);
              }
            }
            if (r.getEventsCount() == 0 && r.getHeader().getRevision() >= head) {
              caughtUp.complete(null);
            }
          }

          @Override
          public void onError(Throwable t) {
            caughtUp.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            caughtUp.completeExceptionally(new IllegalStateException("watch cancelled"));
          }
        });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(30, timeoutSeconds));
    try {
      while (true) {
        watch.requestProgress();
        try {
          caughtUp.get(300, TimeUnit.MILLISECONDS);
          break;
        } catch (TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new TimeoutException("the watch from revision 1 on " + prefix
                + " did not reach revision " + head);
          }
        }
      }
    } finally {
      watch.cancel();
    }
    JsonObject out = new JsonObject();
    out.addProperty("head", head);
    synchronized (deletes) {
      out.add("deletes", deletes.deepCopy());
    }
    return out;
  }

  /** Every key under {@code prefix} now (a linearizable read): key to [mod revision, lease]. */
  static JsonObject finalRead(KvClient client, String prefix, long timeoutSeconds)
      throws Exception {
    var r = Ops.await(client.kv().range(RangeRequest.newBuilder().setKey(Ops.bytes(prefix))
        .setRangeEnd(Ops.prefixEnd(prefix)).build()), timeoutSeconds);
    JsonObject keys = new JsonObject();
    for (KeyValue kv : r.getKvsList()) {
      JsonArray a = new JsonArray();
      a.add(kv.getModRevision());
      a.add(kv.getLease());
      a.add(kv.getValue().toStringUtf8());
      keys.add(kv.getKey().toStringUtf8(), a);
    }
    JsonObject out = new JsonObject();
    out.addProperty("rev", r.getHeader().getRevision());
    out.add("keys", keys);
    return out;
  }

  static List<String> keysOf(JsonObject finalRead) {
    return new ArrayList<>(finalRead.getAsJsonObject("keys").keySet());
  }
}
