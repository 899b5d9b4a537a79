package io.kvstore.server.etcd;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
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
    return withHeader(store.range(r));
  }

  public CompletableFuture<PutResponse> put(PutRequest r) {
    return write(() -> validator.checkPut(r), InternalRaftRequest.newBuilder().setPut(r));
  }

  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    return write(() -> validator.checkDeleteRange(r),
        InternalRaftRequest.newBuilder().setDeleteRange(r));
  }

  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    return write(() -> validator.checkTxn(r), InternalRaftRequest.newBuilder().setTxn(r));
  }

  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return write(() -> { }, InternalRaftRequest.newBuilder().setCompaction(r));
  }

  /**
   * Validates, proposes and answers one write; the applied result is the response etcd sends, of
   * type {@code T}, with the header completed here.
   */
  @SuppressWarnings("unchecked")
  private <T extends Message> CompletableFuture<T> write(Runnable check,
      InternalRaftRequest.Builder request) {
    try {
      check.run();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return proposer.propose(request).thenApply(applied -> withHeader((T) applied));
  }

  /** The response with its store-made header (revision only) completed by {@link #header}. */
  @SuppressWarnings("unchecked")
  private <T extends Message> T withHeader(T response) {
    FieldDescriptor field = response.getDescriptorForType().findFieldByName("header");
    return (T) response.toBuilder()
        .setField(field, header((ResponseHeader) response.getField(field))).build();
  }

  /** The response header etcd sends: cluster, member, the given revision, the Raft term. */
  ResponseHeader header(ResponseHeader fromStore) {
    long revision = fromStore.getRevision() != 0 ? fromStore.getRevision()
        : store.currentRevision();
    return proposer.header(revision);
  }
}
