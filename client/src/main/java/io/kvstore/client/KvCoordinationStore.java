package io.kvstore.client;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.lease.CoordinationStore;
import io.kvstore.lease.KeyValue;
import io.kvstore.lease.LeaseGrant;
import io.kvstore.lease.TxnOutcome;
import io.kvstore.lease.WriteOp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The lease-api's {@link CoordinationStore} over a {@link KvClient}: the same etcd requests
 * clientv3's concurrency package makes (a create-if-absent Txn on {@code create_revision == 0},
 * sorted Ranges with {@code max_create_revision}, Txns guarded on the key's create revision, and
 * watches for a predecessor's delete). Every read is linearizable.
 *
 * <p>Thread-safety: safe for concurrent use, as the client is; callbacks run on the client's
 * executor.
 */
public final class KvCoordinationStore implements CoordinationStore {
  private final KvClient client;

  public KvCoordinationStore(KvClient client) {
    this.client = client;
  }

  @Override
  public CompletableFuture<LeaseGrant> grantLease(Duration ttl) {
    long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
    return client.lease().grant(LeaseGrantRequest.newBuilder().setTTL(seconds).build())
        .thenApply(r -> new LeaseGrant(r.getID(), r.getTTL()));
  }

  @Override
  public CompletableFuture<Long> keepAliveOnce(long leaseId) {
    return client.lease().keepAliveOnce(leaseId)
        .handle((r, e) -> {
          if (e == null) {
            return r.getTTL();
          }
          if (isLeaseNotFound(e)) {
            return 0L;
          }
          throw e instanceof CompletionException c ? c : new CompletionException(e);
        });
  }

  @Override
  public CompletableFuture<Void> revokeLease(long leaseId) {
    return client.lease().revoke(LeaseRevokeRequest.newBuilder().setID(leaseId).build())
        .handle((r, e) -> {
          if (e != null && !isLeaseNotFound(e)) {
            throw e instanceof CompletionException c ? c : new CompletionException(e);
          }
          return null;
        });
  }

  @Override
  public CompletableFuture<KeyValue> createIfAbsent(String key, byte[] value, long leaseId) {
    ByteString k = bytes(key);
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(k).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k)
            .setValue(ByteString.copyFrom(value)).setLease(leaseId)))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(k)))
        .build();
    return client.kv().txn(txn).thenApply(r -> {
      if (r.getSucceeded()) {
        long rev = r.getHeader().getRevision();
        return new KeyValue(key, value, rev, rev, leaseId);
      }
      return keyValue(r.getResponses(0).getResponseRange().getKvs(0));
    });
  }

  @Override
  public CompletableFuture<Lookup> get(String key) {
    return lookup(RangeRequest.newBuilder().setKey(bytes(key)).build());
  }

  @Override
  public CompletableFuture<Lookup> firstCreated(String prefix) {
    return lookup(prefixRange(prefix).setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(RangeRequest.SortOrder.ASCEND).setLimit(1).build());
  }

  @Override
  public CompletableFuture<Lookup> lastCreatedBefore(String prefix, long createRevision) {
    return lookup(prefixRange(prefix).setMaxCreateRevision(createRevision - 1)
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(1).build());
  }

  @Override
  public CompletableFuture<TxnOutcome> guardedTxn(String guardKey, long guardCreateRevision,
      List<WriteOp> ops) {
    TxnRequest.Builder txn = TxnRequest.newBuilder().addCompare(Compare.newBuilder()
        .setKey(bytes(guardKey)).setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(guardCreateRevision));
    for (WriteOp op : ops) {
      txn.addSuccess(requestOp(op));
    }
    return client.kv().txn(txn.build())
        .thenApply(r -> new TxnOutcome(r.getSucceeded(), r.getHeader().getRevision()));
  }

  @Override
  public CompletableFuture<Void> awaitDelete(String key, long afterRevision) {
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    WatchHandle handle = client.watch().watch(WatchCreateRequest.newBuilder().setKey(bytes(key))
        .setStartRevision(afterRevision + 1).addFilters(WatchCreateRequest.FilterType.NOPUT)
        .build(), new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse response) {
            for (Event e : response.getEventsList()) {
              if (e.getType() == Event.EventType.DELETE) {
                deleted.complete(null);
              }
            }
          }

          @Override
          public void onError(Throwable t) {
            if (t instanceof WatchCompactedException) {
              deleted.complete(null); // history is gone: the caller reads the key again
            } else {
              deleted.completeExceptionally(t);
            }
          }

          @Override
          public void onCompleted() {
            deleted.cancel(false);
          }
        });
    deleted.whenComplete((v, e) -> handle.cancel());
    return deleted;
  }

  @Override
  public AutoCloseable watchPrefix(String prefix, long afterRevision,
      Consumer<PrefixEvent> onChange, Consumer<Throwable> onError) {
    ByteString start = bytes(prefix);
    WatchHandle handle = client.watch().watch(WatchCreateRequest.newBuilder().setKey(start)
        .setRangeEnd(prefixEnd(start)).setStartRevision(afterRevision + 1).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse response) {
            for (Event e : response.getEventsList()) {
              onChange.accept(new PrefixEvent(e.getType() == Event.EventType.DELETE,
                  keyValue(e.getKv()), e.getKv().getModRevision()));
            }
          }

          @Override
          public void onError(Throwable t) {
            onError.accept(t);
          }

          @Override
          public void onCompleted() {
          }
        });
    return handle::cancel;
  }

  private static boolean isLeaseNotFound(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof EtcdException etcd && Lease.NOT_FOUND.equals(etcd.description());
  }

  private CompletableFuture<Lookup> lookup(RangeRequest request) {
    return client.kv().range(request).thenApply(KvCoordinationStore::lookupOf);
  }

  private static Lookup lookupOf(RangeResponse r) {
    Optional<KeyValue> found = r.getKvsCount() == 0 ? Optional.empty()
        : Optional.of(keyValue(r.getKvs(0)));
    return new Lookup(found, r.getHeader().getRevision());
  }

  private static RangeRequest.Builder prefixRange(String prefix) {
    ByteString start = bytes(prefix);
    return RangeRequest.newBuilder().setKey(start).setRangeEnd(prefixEnd(start));
  }

  private static RequestOp requestOp(WriteOp op) {
    if (op instanceof WriteOp.Put put) {
      return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes(put.key()))
          .setValue(ByteString.copyFrom(put.value())).setLease(put.leaseId())).build();
    }
    if (op instanceof WriteOp.Delete delete) {
      return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
          .setKey(bytes(delete.key()))).build();
    }
    WriteOp.DeletePrefix prefix = (WriteOp.DeletePrefix) op;
    ByteString start = bytes(prefix.prefix());
    return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
        .setKey(start).setRangeEnd(prefixEnd(start))).build();
  }

  private static KeyValue keyValue(io.kvstore.api.mvccpb.KeyValue kv) {
    return new KeyValue(kv.getKey().toStringUtf8(), kv.getValue().toByteArray(),
        kv.getCreateRevision(), kv.getModRevision(), kv.getLease());
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  /** etcd's prefix end: the key with its last byte below 0xff incremented, the rest dropped. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }
}
