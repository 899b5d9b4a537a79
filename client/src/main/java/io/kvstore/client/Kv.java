package io.kvstore.client;

import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's KV service. {@link #range} (linearizable or serializable, as the request says) is retried
 * on another member when one is unavailable; {@link #put}, {@link #delete}, {@link #txn} and
 * {@link #compact} are sent again only when they provably were not applied, and otherwise fail
 * with {@link OutcomeUnknownException} when their outcome is unknown. Futures fail with {@link
 * KvClientException}s and complete on the client's executor.
 *
 * <p>Thread-safety: safe for concurrent use; no method blocks.
 */
public final class Kv {
  private final UnaryCalls calls;

  Kv(UnaryCalls calls) {
    this.calls = calls;
  }

  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return calls.read(KVGrpc.getRangeMethod(), request);
  }

  public CompletableFuture<PutResponse> put(PutRequest request) {
    return calls.write(KVGrpc.getPutMethod(), request);
  }

  public CompletableFuture<DeleteRangeResponse> delete(DeleteRangeRequest request) {
    return calls.write(KVGrpc.getDeleteRangeMethod(), request);
  }

  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return calls.write(KVGrpc.getTxnMethod(), request);
  }

  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return calls.write(KVGrpc.getCompactMethod(), request);
  }
}
