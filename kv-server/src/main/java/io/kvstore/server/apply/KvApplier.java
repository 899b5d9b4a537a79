package io.kvstore.server.apply;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.server.mvcc.EtcdException;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import io.kvstore.server.pb.InternalRaftRequest;

/**
 * Applies one committed {@link InternalRaftRequest} to the MVCC store, in one backend batch with
 * the entry's index, and hands the result (or etcd's refusal) to whoever proposed it, as etcd's
 * {@code applierV3}. Every member applies every entry; only the proposer has a waiter.
 *
 * <p>Thread-safety: called on the Raft apply thread only.
 */
public final class KvApplier {
  private final MvccStore store;
  private final ApplyWaiters waiters;

  public KvApplier(MvccStore store, ApplyWaiters waiters) {
    this.store = store;
    this.waiters = waiters;
  }

  /** Applies the request carried by the entry at {@code index}. */
  public void apply(long index, ByteString data) {
    InternalRaftRequest request;
    try {
      request = InternalRaftRequest.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("entry " + index + " is not a kv-server request", e);
    }
    WriteTxn txn = store.beginWrite();
    Object result;
    try {
      result = switch (request.getRequestCase()) {
        case PUT -> txn.put(request.getPut());
        case DELETE_RANGE -> txn.deleteRange(request.getDeleteRange());
        case TXN -> txn.txn(request.getTxn());
        case COMPACTION -> txn.compact(request.getCompaction());
        default -> new UnsupportedRequestException(request.getRequestCase().name());
      };
    } catch (EtcdException refused) {
      result = refused;
    }
    txn.commit(index);
    if (result instanceof RuntimeException failure) {
      waiters.fail(request.getId(), failure);
    } else {
      waiters.trigger(request.getId(), result);
    }
  }
}
