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
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.RequestValidator;
import io.kvstore.server.pb.InternalRaftRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The member's client-facing KV operations, as etcd's {@code EtcdServer}: writes are validated
 * and proposed as an {@link InternalRaftRequest} through the {@link Proposer}; linearizable reads
 * wait for a ReadIndex confirmation (shared by concurrent reads) and serializable reads are
 * served from the local store at once.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class KvServer {
  private final RaftNode raft;
  private final MvccStore store;
  private final Proposer proposer;
  private final RequestValidator validator;
  private final Executor reads;

  /**
   * @param reads where linearizable reads run once confirmed, off the Raft loop that confirms
   *     them
   */
  public KvServer(RaftNode raft, MvccStore store, Proposer proposer, int maxTxnOps,
      Executor reads) {
    this.raft = raft;
    this.store = store;
    this.proposer = proposer;
    this.validator = new RequestValidator(maxTxnOps);
    this.reads = reads;
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
    return raft.readIndex().thenApplyAsync(index -> rangeNow(r), reads);
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
    return proposer.header(revision);
  }

  private CompletableFuture<Object> propose(InternalRaftRequest.Builder request) {
    return proposer.propose(request);
  }
}
