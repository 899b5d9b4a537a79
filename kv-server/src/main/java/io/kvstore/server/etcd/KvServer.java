package io.kvstore.server.etcd;

import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.raft.node.RequestTimeoutException;
import io.kvstore.server.apply.ApplyWaiters;
import io.kvstore.server.apply.RequestIds;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.RequestValidator;
import io.kvstore.server.pb.InternalRaftRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The member's client-facing KV operations, as etcd's {@code EtcdServer}: writes are validated,
 * wrapped in an {@link InternalRaftRequest} with a cluster-unique id, handed to Raft (forwarded
 * to the leader from a follower) and answered when the entry is applied here; linearizable reads
 * wait for a ReadIndex confirmation (shared by concurrent reads) and serializable reads are
 * served from the local store at once.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class KvServer {
  private final RaftNode raft;
  private final MvccStore store;
  private final ApplyWaiters waiters;
  private final RequestIds ids;
  private final long clusterId;
  private final long memberId;
  private final Duration requestTimeout;
  private final int maxRequestBytes;
  private final RequestValidator validator;

  public KvServer(RaftNode raft, MvccStore store, ApplyWaiters waiters, long clusterId,
      long memberId, Duration requestTimeout, int maxRequestBytes, int maxTxnOps) {
    this.raft = raft;
    this.store = store;
    this.waiters = waiters;
    this.ids = new RequestIds(memberId, System.currentTimeMillis());
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.requestTimeout = requestTimeout;
    this.maxRequestBytes = maxRequestBytes;
    this.validator = new RequestValidator(maxTxnOps);
  }

  public CompletableFuture<RangeResponse> range(RangeRequest r) {
    try {
      validator.checkRange(r);
      if (r.getSerializable()) {
        return CompletableFuture.completedFuture(rangeNow(r));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return raft.readIndex().thenApply(index -> rangeNow(r));
  }

  private RangeResponse rangeNow(RangeRequest r) {
    RangeResponse resp = store.range(r);
    return resp.toBuilder().setHeader(header(resp.getHeader())).build();
  }

  public CompletableFuture<PutResponse> put(PutRequest r) {
    try {
      validator.checkPut(r);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return propose(InternalRaftRequest.newBuilder().setPut(r))
        .thenApply(o -> {
          PutResponse p = (PutResponse) o;
          return p.toBuilder().setHeader(header(p.getHeader())).build();
        });
  }

  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    try {
      validator.checkDeleteRange(r);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return propose(InternalRaftRequest.newBuilder().setDeleteRange(r))
        .thenApply(o -> {
          DeleteRangeResponse d = (DeleteRangeResponse) o;
          return d.toBuilder().setHeader(header(d.getHeader())).build();
        });
  }

  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    try {
      validator.checkTxn(r);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return propose(InternalRaftRequest.newBuilder().setTxn(r))
        .thenApply(o -> {
          TxnResponse t = (TxnResponse) o;
          return t.toBuilder().setHeader(header(t.getHeader())).build();
        });
  }

  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return propose(InternalRaftRequest.newBuilder().setCompaction(r))
        .thenApply(o -> {
          CompactionResponse c = (CompactionResponse) o;
          return c.toBuilder().setHeader(header(c.getHeader())).build();
        });
  }

  /** The response header etcd sends: cluster, member, the given revision, the Raft term. */
  ResponseHeader header(ResponseHeader fromStore) {
    long revision = fromStore.getRevision() != 0 ? fromStore.getRevision()
        : store.currentRevision();
    return ResponseHeader.newBuilder().setClusterId(clusterId).setMemberId(memberId)
        .setRevision(revision).setRaftTerm(raft.status().term()).build();
  }

  private CompletableFuture<Object> propose(InternalRaftRequest.Builder request) {
    long id = ids.next();
    byte[] data = request.setId(id).build().toByteArray();
    if (data.length > maxRequestBytes) {
      return CompletableFuture.failedFuture(new RequestTooLargeException(data.length,
          maxRequestBytes));
    }
    CompletableFuture<Object> applied = waiters.register(id);
    raft.submit(data).whenComplete((ok, error) -> {
      if (error != null) {
        applied.completeExceptionally(error);
      }
    });
    return applied.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
            e instanceof TimeoutException
                ? new RequestTimeoutException("request timed out") : e));
  }
}
