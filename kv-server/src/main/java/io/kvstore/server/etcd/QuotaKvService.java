package io.kvstore.server.etcd;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.AlarmRequest;
import io.kvstore.api.etcdserverpb.AlarmType;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.server.maintenance.Alarms;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code etcdserverpb.KV} with etcd's backend quota ({@code quotaKVServer} and the capped
 * applier): while the NOSPACE alarm is raised, or when a put would take the backend past {@code
 * --quota-backend-bytes}, puts and txns that write are refused with "etcdserver: mvcc: database
 * space exceeded"; reads, deletes and compactions still go through. Crossing the quota raises the
 * alarm through Raft, as etcd does; it stays raised until an operator disarms it.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class QuotaKvService extends KVGrpc.KVImplBase {
  /** etcd's per-key overhead estimate in {@code backendQuota.Cost}. */
  private static final long KEY_OVERHEAD_BYTES = 8 + 4 + 1 + 8 * 3;
  /** How long a measured backend size is used before it is measured again. */
  private static final long SIZE_REFRESH_NANOS = 100_000_000L;

  private final KvService kv;
  private final MvccStore store;
  private final Alarms alarms;
  private final Proposer proposer;
  private final long memberId;
  private final long quotaBytes;
  /** Set while this member's own NOSPACE proposal is in flight, so it is proposed once. */
  private final AtomicBoolean raising = new AtomicBoolean();
  /** Set while one caller measures the backend size. */
  private final AtomicBoolean measuring = new AtomicBoolean();
  /** The last measured backend size, and when it was measured (System.nanoTime). */
  private volatile long size;
  private volatile long sizeMeasuredAt = System.nanoTime() - 2 * SIZE_REFRESH_NANOS;

  public QuotaKvService(KvService kv, MvccStore store, Alarms alarms, Proposer proposer,
      long memberId, long quotaBytes) {
    this.kv = kv;
    this.store = store;
    this.alarms = alarms;
    this.proposer = proposer;
    this.memberId = memberId;
    this.quotaBytes = quotaBytes;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    kv.range(request, out);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    if (admits(cost(request))) {
      kv.put(request, out);
    } else {
      out.onError(EtcdStatuses.NO_SPACE.asRuntimeException());
    }
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    kv.deleteRange(request, out);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    if (readOnly(request) || admits(cost(request))) {
      kv.txn(request, out);
    } else {
      out.onError(EtcdStatuses.NO_SPACE.asRuntimeException());
    }
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    kv.compact(request, out);
  }

  /**
   * The backend's size on disk, measured at most every {@link #SIZE_REFRESH_NANOS}: measuring
   * lists the backend directory, far too costly for every write (etcd reads a cached size too).
   * One caller refreshes a stale value while the others use it.
   */
  private long backendSize() {
    long now = System.nanoTime();
    if (now - sizeMeasuredAt > SIZE_REFRESH_NANOS && measuring.compareAndSet(false, true)) {
      try {
        size = store.readBackend((backend, rev, compacted) -> backend.sizeBytes());
        sizeMeasuredAt = now;
      } finally {
        measuring.set(false);
      }
    }
    return size;
  }

  /** Whether a write of {@code cost} bytes may go ahead; raises NOSPACE when it may not. */
  private boolean admits(long cost) {
    if (alarms.active(AlarmType.NOSPACE)) {
      return false;
    }
    if (backendSize() + cost <= quotaBytes) {
      return true;
    }
    if (raising.compareAndSet(false, true)) {
      proposer.propose(InternalRaftRequest.newBuilder().setAlarm(AlarmRequest.newBuilder()
          .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(memberId)
          .setAlarm(AlarmType.NOSPACE))).whenComplete((r, e) -> raising.set(false));
    }
    return false;
  }

  private static long cost(PutRequest put) {
    return put.getKey().size() + put.getValue().size() + KEY_OVERHEAD_BYTES;
  }

  private static long cost(TxnRequest txn) {
    return cost(txn.getSuccessList()) + cost(txn.getFailureList());
  }

  private static long cost(List<RequestOp> ops) {
    long c = 0;
    for (RequestOp op : ops) {
      if (op.hasRequestPut()) {
        c += cost(op.getRequestPut());
      } else if (op.hasRequestTxn()) {
        c += cost(op.getRequestTxn());
      }
    }
    return c;
  }

  /** etcd's {@code isTxnReadonly}: only ranges, at any depth. */
  private static boolean readOnly(TxnRequest txn) {
    return readOnly(txn.getSuccessList()) && readOnly(txn.getFailureList());
  }

  private static boolean readOnly(List<RequestOp> ops) {
    for (RequestOp op : ops) {
      if (op.hasRequestPut() || op.hasRequestDeleteRange()
          || (op.hasRequestTxn() && !readOnly(op.getRequestTxn()))) {
        return false;
      }
    }
    return true;
  }
}
