package io.kvstore.server.election;

import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.server.etcd.KvServer;
import io.kvstore.server.etcd.LeaseServer;
import io.kvstore.server.etcd.Proposer;
import java.util.concurrent.CompletableFuture;

/**
 * The member's own request path as the recipes' {@link Keyspace}: the same {@link KvServer} and
 * {@link LeaseServer} the KV and Lease services use, so validation, Raft proposals,
 * linearizable reads and errors are exactly theirs.
 *
 * <p>Thread-safety: safe for concurrent use, as its collaborators are.
 */
public final class MemberKeyspace implements Keyspace {
  private final KvServer kv;
  private final LeaseServer leases;
  private final Proposer proposer;

  public MemberKeyspace(KvServer kv, LeaseServer leases, Proposer proposer) {
    this.kv = kv;
    this.leases = leases;
    this.proposer = proposer;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return kv.range(request);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return kv.txn(request);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return kv.deleteRange(request);
  }

  @Override
  public CompletableFuture<Long> grantLease(long ttlSeconds) {
    return leases.grant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build())
        .thenApply(LeaseGrantResponse::getID);
  }

  @Override
  public ResponseHeader header(long revision) {
    return proposer.header(revision);
  }
}
