package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import java.util.concurrent.CompletableFuture;

/**
 * What the holder of an election key may do with it, as etcd's {@code concurrency.Election}:
 * each write is a txn guarded by the key's create revision, so it only touches the very key the
 * holder created, never one created again after it was deleted. Stateless.
 */
final class LeaderKeys {
  private LeaderKeys() {}

  /**
   * Puts {@code value} on {@code key} with {@code lease} if the key still has create revision
   * {@code revision}; fails with etcd's "election: not leader" otherwise.
   */
  static CompletableFuture<TxnResponse> proclaim(Keyspace keyspace, ByteString key,
      long revision, long lease, ByteString value) {
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(RecipeKeys.createdAt(key, revision))
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
        .build();
    return keyspace.txn(txn).thenApply(response -> {
      if (!response.getSucceeded()) {
        throw RecipeStatuses.NOT_LEADER.asRuntimeException();
      }
      return response;
    });
  }

  /**
   * Deletes {@code key} if it still has create revision {@code revision}; a key already gone is
   * no error (etcd's {@code Resign}).
   */
  static CompletableFuture<TxnResponse> resign(Keyspace keyspace, ByteString key,
      long revision) {
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(RecipeKeys.createdAt(key, revision))
        .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
            DeleteRangeRequest.newBuilder().setKey(key)))
        .build();
    return keyspace.txn(txn);
  }
}
