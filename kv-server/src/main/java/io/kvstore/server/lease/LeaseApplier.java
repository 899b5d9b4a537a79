package io.kvstore.server.lease;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvstore.api.etcdserverpb.LeaseCheckpointResponse;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.server.mvcc.Commit;
import io.kvstore.server.mvcc.LeaseNotFoundException;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import io.kvstore.server.pb.LeaseExpire;
import io.kvstore.server.pb.LeaseRenew;

/**
 * Applies the lease requests of committed entries within the entry's {@link WriteTxn}, as etcd's
 * {@code applierV3backend} lease methods: lease records go into the txn's batch, so they are
 * written with the entry's index and the key deletions of a revocation. Response headers carry
 * only the revision.
 *
 * <p>Thread-safety: called on the Raft apply thread only.
 */
public final class LeaseApplier {
  private final Lessor lessor;
  private final MvccStore store;

  public LeaseApplier(Lessor lessor, MvccStore store) {
    this.lessor = lessor;
    this.store = store;
  }

  /** A grant; the proposer chose the id. */
  public LeaseGrantResponse grant(WriteTxn txn, LeaseGrantRequest r) {
    long ttl = lessor.grant(r.getID(), r.getTTL(), txn.batch());
    return LeaseGrantResponse.newBuilder().setHeader(header(store.currentRevision()))
        .setID(r.getID()).setTTL(ttl).build();
  }

  /**
   * A revocation: every attached key is deleted, in key order, at one revision, and the lease
   * record in the same batch.
   *
   * @throws LeaseNotFoundException if there is no such lease
   */
  public LeaseRevokeResponse revoke(WriteTxn txn, LeaseRevokeRequest r) {
    long revision = store.currentRevision();
    for (ByteString key : lessor.keys(r.getID())) {
      revision = txn.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build())
          .getHeader().getRevision();
    }
    lessor.remove(r.getID(), txn.batch());
    return LeaseRevokeResponse.newBuilder().setHeader(header(revision)).build();
  }

  /** An expiry decided by the leader: a revocation unless the lease was renewed since. */
  public LeaseRevokeResponse expire(WriteTxn txn, LeaseExpire r) {
    if (!lessor.expiryHolds(r.getId(), r.getDecidedIndex())) {
      return LeaseRevokeResponse.newBuilder().setHeader(header(store.currentRevision())).build();
    }
    return revoke(txn, LeaseRevokeRequest.newBuilder().setID(r.getId()).build());
  }

  /** Checkpointed remaining TTLs. */
  public LeaseCheckpointResponse checkpoint(WriteTxn txn, LeaseCheckpointRequest r) {
    lessor.checkpoint(r.getCheckpointsList(), txn.batch());
    return LeaseCheckpointResponse.newBuilder().setHeader(header(store.currentRevision()))
        .build();
  }

  /** A renewal logged at {@code index}; returns the TTL, or 0 for an unknown lease. */
  public Long renew(WriteTxn txn, LeaseRenew r, long index) {
    return lessor.renewApplied(r.getId(), index, txn.batch());
  }

  /** Attaches and detaches keys as the committed txn's events say. */
  public void committed(Commit commit) {
    lessor.attachments(commit.events());
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }
}
