package io.kvstore.server.apply;

import io.kvstore.server.lease.LeaseApplier;
import io.kvstore.server.mvcc.Commit;
import io.kvstore.server.mvcc.CorruptClusterException;
import io.kvstore.server.mvcc.EtcdException;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import io.kvstore.server.pb.InternalRaftRequest;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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
  private final LeaseApplier leases;
  /** Told every commit that changed something, once it is visible: the watch hub. */
  private final Consumer<Commit> published;
  /** Whether the CORRUPT alarm is raised: writes are then refused, as etcd's corrupt applier. */
  private final BooleanSupplier corrupt;

  public KvApplier(MvccStore store, ApplyWaiters waiters, LeaseApplier leases,
      Consumer<Commit> published, BooleanSupplier corrupt) {
    this.store = store;
    this.waiters = waiters;
    this.leases = leases;
    this.published = published;
    this.corrupt = corrupt;
  }

  /** Applies {@code request}, carried by the entry at {@code index}. */
  public void apply(long index, InternalRaftRequest request) {
    WriteTxn txn = store.beginWrite();
    Object result;
    try {
      if (refusedWhileCorrupt(request) && corrupt.getAsBoolean()) {
        throw new CorruptClusterException();
      }
      result = switch (request.getRequestCase()) {
        case PUT -> txn.put(request.getPut());
        case DELETE_RANGE -> txn.deleteRange(request.getDeleteRange());
        case TXN -> txn.txn(request.getTxn());
        case COMPACTION -> txn.compact(request.getCompaction());
        case LEASE_GRANT -> leases.grant(txn, request.getLeaseGrant());
        case LEASE_REVOKE -> leases.revoke(txn, request.getLeaseRevoke());
        case LEASE_CHECKPOINT -> leases.checkpoint(txn, request.getLeaseCheckpoint());
        case LEASE_RENEW -> leases.renew(txn, request.getLeaseRenew(), index);
        case LEASE_EXPIRE -> leases.expire(txn, request.getLeaseExpire());
        default -> new UnsupportedRequestException(request.getRequestCase().name());
      };
    } catch (EtcdException refused) {
      result = refused;
    }
    Commit commit = txn.commit(index);
    leases.committed(commit);
    if (!commit.events().isEmpty()) {
      published.accept(commit);
    }
    if (result instanceof RuntimeException failure) {
      waiters.fail(request.getId(), failure);
    } else {
      waiters.trigger(request.getId(), result);
    }
  }

  /** The requests etcd's corrupt applier refuses: client writes, compaction, lease changes. */
  private static boolean refusedWhileCorrupt(InternalRaftRequest request) {
    return switch (request.getRequestCase()) {
      case PUT, DELETE_RANGE, TXN, COMPACTION, LEASE_GRANT, LEASE_REVOKE -> true;
      default -> false;
    };
  }
}
