package io.kvstore.server.election;

import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The key-value and lease operations the election and lock recipes are built on, as etcd's
 * v3election and v3lock servers run them through the member's embedded client: writes and
 * linearizable reads take the member's ordinary request path, with its validation and its errors.
 * Every response carries the complete header etcd sends.
 *
 * <p>Thread-safety: implementations are safe for concurrent use and never block the caller; the
 * futures may complete on any thread.
 */
public interface Keyspace {
  CompletableFuture<RangeResponse> range(RangeRequest request);

  CompletableFuture<TxnResponse> txn(TxnRequest request);

  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

  /** Grants a lease of {@code ttlSeconds} under an id the member chooses; completes with it. */
  CompletableFuture<Long> grantLease(long ttlSeconds);

  /** The response header etcd sends at {@code revision}: cluster, member, revision, Raft term. */
  ResponseHeader header(long revision);
}
