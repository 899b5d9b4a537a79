package io.kvstore.server.election;

import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.server.apply.ApplyWaiters;
import io.kvstore.server.apply.KvApplier;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.lease.LeaseApplier;
import io.kvstore.server.lease.Lessor;
import io.kvstore.server.lease.LessorConfig;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import io.kvstore.server.watch.WatchHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One member's applied state without Raft, as a {@link Keyspace}: a real backend, MVCC store,
 * lessor and watch hub, and one "apply" thread that runs every write as the next entry (through
 * the member's {@link KvApplier}, publishing to the hub) and every read after the writes before
 * it, so reads are linearizable by construction. Leases never expire by time; tests revoke them.
 *
 * <p>Thread-safety: safe for concurrent use; all store access is on the apply thread.
 */
final class LocalKeyspace implements Keyspace, AutoCloseable {
  private static final long CLUSTER_ID = 0x1000;
  private static final long MEMBER_ID = 0x2000;

  private final ExecutorService applyThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "local-keyspace-apply");
    t.setDaemon(true);
    return t;
  });
  private final Backend backend;
  private final MvccStore store;
  private final WatchHub hub;
  private final KvApplier applier;
  private final ApplyWaiters waiters = new ApplyWaiters();
  /** The next entry index and request id; apply thread only. */
  private long index = 1;
  /** The next lease id; apply thread only. */
  private long nextLease = 0x7a11ce0000L;

  LocalKeyspace(Path dir) {
    backend = Backend.open(dir);
    Lessor lessor = new Lessor(new LessorConfig(1, Duration.ofSeconds(1), Duration.ofMinutes(5),
        Duration.ofSeconds(3)), System::nanoTime);
    store = MvccStore.open(backend, lessor);
    lessor.recover(backend, store);
    hub = new WatchHub(store);
    applier = new KvApplier(store, waiters, new LeaseApplier(lessor, store), hub::publish,
        () -> false);
  }

  WatchHub hub() {
    return hub;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return onApplyThread(() -> {
      RangeResponse r = store.range(request);
      return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    });
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return apply(InternalRaftRequest.newBuilder().setTxn(request)).thenApply(o -> {
      TxnResponse r = (TxnResponse) o;
      return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    });
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return apply(InternalRaftRequest.newBuilder().setDeleteRange(request)).thenApply(o -> {
      DeleteRangeResponse r = (DeleteRangeResponse) o;
      return r.toBuilder().setHeader(header(r.getHeader().getRevision())).build();
    });
  }

  @Override
  public CompletableFuture<Long> grantLease(long ttlSeconds) {
    return onApplyThread(() -> nextLease++).thenCompose(id -> apply(InternalRaftRequest
        .newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttlSeconds))))
        .thenApply(o -> ((LeaseGrantResponse) o).getID());
  }

  /** Revokes {@code lease}, deleting its keys in one revision, as its expiry would. */
  CompletableFuture<Object> revokeLease(long lease) {
    return apply(InternalRaftRequest.newBuilder().setLeaseRevoke(
        LeaseRevokeRequest.newBuilder().setID(lease)));
  }

  @Override
  public ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setClusterId(CLUSTER_ID).setMemberId(MEMBER_ID)
        .setRevision(revision).setRaftTerm(1).build();
  }

  private CompletableFuture<Object> apply(InternalRaftRequest.Builder request) {
    return onApplyThread(() -> {
      long id = index;
      CompletableFuture<Object> result = waiters.register(id);
      applier.apply(index++, request.setId(id).build());
      return result;
    }).thenCompose(f -> f);
  }

  private <T> CompletableFuture<T> onApplyThread(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, applyThread);
  }

  @Override
  public void close() throws InterruptedException {
    hub.close();
    applyThread.shutdown();
    if (!applyThread.awaitTermination(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("apply thread did not stop");
    }
    backend.close();
  }
}
