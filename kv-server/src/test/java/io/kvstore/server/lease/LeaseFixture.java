package io.kvstore.server.lease;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.LeaseCheckpoint;
import io.kvstore.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.apply.ApplyWaiters;
import io.kvstore.server.apply.KvApplier;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import io.kvstore.server.pb.LeaseExpire;
import io.kvstore.server.pb.LeaseRenew;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One member's applied state — backend, MVCC store, lessor — fed committed entries directly, with
 * a fake clock: apply-level tests without Raft. Confined to the test thread.
 */
final class LeaseFixture implements AutoCloseable {
  /** Minimum TTL 2 s, promotion extension 1 s, checkpoints every 60 s, expiry retry 3 s. */
  static final LessorConfig CONFIG = new LessorConfig(2, Duration.ofSeconds(1),
      Duration.ofSeconds(60), Duration.ofSeconds(3));

  final FakeClock clock = new FakeClock();
  private final Path dir;
  Backend backend;
  MvccStore store;
  Lessor lessor;
  private KvApplier applier;
  private final ApplyWaiters waiters = new ApplyWaiters();
  /** The next Raft index and request id. */
  private long index = 1;

  LeaseFixture(Path dir) {
    this.dir = dir;
    open();
  }

  private void open() {
    backend = Backend.open(dir);
    lessor = new Lessor(CONFIG, clock);
    store = MvccStore.open(backend, lessor);
    lessor.recover(backend, store);
    applier = new KvApplier(store, waiters, new LeaseApplier(lessor, store), commit -> { },
        () -> false);
  }

  /** Closes and reopens everything from disk, as a restart does; the lessor is new. */
  void restart() {
    backend.close();
    open();
  }

  /** Applies the request as the next entry; returns its result or throws its refusal. */
  Object apply(InternalRaftRequest.Builder request) {
    long id = index;
    CompletableFuture<Object> result = waiters.register(id);
    applier.apply(index++, request.setId(id).build());
    try {
      return result.join();
    } catch (CompletionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  long nextIndex() {
    return index;
  }

  Object grant(long id, long ttl) {
    return apply(InternalRaftRequest.newBuilder().setLeaseGrant(
        LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl)));
  }

  Object revoke(long id) {
    return apply(InternalRaftRequest.newBuilder().setLeaseRevoke(
        LeaseRevokeRequest.newBuilder().setID(id)));
  }

  Object renew(long id) {
    return apply(InternalRaftRequest.newBuilder().setLeaseRenew(LeaseRenew.newBuilder().setId(id)));
  }

  Object expire(LeaseExpire expire) {
    return apply(InternalRaftRequest.newBuilder().setLeaseExpire(expire));
  }

  Object checkpoint(List<LeaseCheckpoint> checkpoints) {
    return apply(InternalRaftRequest.newBuilder().setLeaseCheckpoint(
        LeaseCheckpointRequest.newBuilder().addAllCheckpoints(checkpoints)));
  }

  Object put(String key, long lease) {
    return apply(InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v"))
        .setLease(lease)));
  }

  Object delete(String key) {
    return apply(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))));
  }

  List<KeyValue> all() {
    ByteString zero = ByteString.copyFrom(new byte[] {0});
    return store.range(RangeRequest.newBuilder().setKey(zero).setRangeEnd(zero).build())
        .getKvsList();
  }

  List<String> keysOf(long lease) {
    return lessor.timeToLive(lease, true).orElseThrow().keys().stream()
        .map(ByteString::toStringUtf8).toList();
  }

  @Override
  public void close() {
    backend.close();
  }
}
