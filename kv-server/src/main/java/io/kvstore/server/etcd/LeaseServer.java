package io.kvstore.server.etcd;

import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseLeasesResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeResponse;
import io.kvstore.api.etcdserverpb.LeaseStatus;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.lease.Lessor;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import io.kvstore.server.pb.LeaseRenew;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The member's lease operations, as etcd's {@code EtcdServer} lease methods.
 *
 * <ul>
 *   <li>Grant and revoke are proposed through Raft from any member; a grant without an id gets
 *       one from the request-id generator, as etcd's.
 *   <li>Renew (one keep-alive) first waits for a ReadIndex, so a lease granted before is known
 *       here. The leader then renews from memory when its lessor can ({@link Lessor#renewHere});
 *       otherwise — on a follower, or for a lease with a checkpointed remaining TTL — the renewal
 *       is proposed as a {@code LeaseRenew} entry, which resets the expiry on whichever member
 *       leads when it is applied. etcd forwards a follower's renewal to the leader over HTTP
 *       instead; the entry costs one log write per keep-alive that reaches a follower.
 *   <li>TimeToLive is answered by the leader, which knows the real expiry: a follower forwards
 *       it to the leader's client URL, as etcd does. Only while the leader has not yet published
 *       its client URL does a follower answer from its own estimate (after a ReadIndex), counted
 *       from the last grant, Raft renewal or checkpoint it applied, which may be less than what
 *       remains, never more. An unknown lease is answered with TTL -1, as etcd's.
 *   <li>Leases lists this member's leases, as etcd's, without a ReadIndex.
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class LeaseServer {
  private static final long POSITIVE_IDS = Long.MAX_VALUE;

  private final RaftNode raft;
  private final MvccStore store;
  private final Lessor lessor;
  private final Proposer proposer;
  private final Duration requestTimeout;
  private final Executor forwarding;

  /**
   * @param forwarding where calls forwarded to the leader wait for its answer
   */
  public LeaseServer(RaftNode raft, MvccStore store, Lessor lessor, Proposer proposer,
      Duration requestTimeout, Executor forwarding) {
    this.raft = raft;
    this.store = store;
    this.lessor = lessor;
    this.proposer = proposer;
    this.requestTimeout = requestTimeout;
    this.forwarding = forwarding;
  }

  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
    LeaseGrantRequest.Builder request = r.toBuilder();
    while (request.getID() == 0) {
      request.setID(proposer.nextId() & POSITIVE_IDS);
    }
    return proposer.propose(InternalRaftRequest.newBuilder().setLeaseGrant(request))
        .thenApply(o -> {
          LeaseGrantResponse g = (LeaseGrantResponse) o;
          return g.toBuilder().setHeader(proposer.header(g.getHeader().getRevision())).build();
        });
  }

  public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
    return proposer.propose(InternalRaftRequest.newBuilder().setLeaseRevoke(r))
        .thenApply(o -> {
          LeaseRevokeResponse v = (LeaseRevokeResponse) o;
          return v.toBuilder().setHeader(proposer.header(v.getHeader().getRevision())).build();
        });
  }

  /** One keep-alive: the lease's TTL once renewed, or 0 if there is no such lease. */
  public CompletableFuture<Long> renew(long id) {
    return raft.readIndex().thenCompose(index -> {
      long ttl = lessor.renewHere(id);
      if (ttl != Lessor.RENEW_THROUGH_RAFT) {
        return CompletableFuture.completedFuture(ttl);
      }
      return proposer.propose(InternalRaftRequest.newBuilder()
          .setLeaseRenew(LeaseRenew.newBuilder().setId(id))).thenApply(o -> (Long) o);
    });
  }

  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
    RaftNode.NodeStatus status = raft.status();
    if (!status.isLeader() && status.leaderId() != 0) {
      Optional<URI> leader = clientUrlOf(status.leaderId());
      if (leader.isPresent()) {
        return CompletableFuture.supplyAsync(() -> forward(leader.get(), r), forwarding);
      }
    }
    return raft.readIndex().thenApply(index -> {
      LeaseTimeToLiveResponse.Builder resp = LeaseTimeToLiveResponse.newBuilder()
          .setHeader(currentHeader()).setID(r.getID());
      lessor.timeToLive(r.getID(), r.getKeys()).ifPresentOrElse(
          t -> resp.setTTL(t.remainingSeconds()).setGrantedTTL(t.grantedTtl())
              .addAllKeys(t.keys()),
          () -> resp.setTTL(-1));
      return resp.build();
    });
  }

  private Optional<URI> clientUrlOf(long memberId) {
    MemberRecord m = store.readBackend((backend, rev, compacted) -> backend.member(memberId));
    return m == null || m.context().getClientUrlsCount() == 0 ? Optional.empty()
        : Optional.of(URI.create(m.context().getClientUrls(0)));
  }

  private LeaseTimeToLiveResponse forward(URI leader, LeaseTimeToLiveRequest r) {
    return LeaderCall.call(leader, channel -> LeaseGrpc.newBlockingStub(channel)
        .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .leaseTimeToLive(r));
  }

  public LeaseLeasesResponse leases() {
    LeaseLeasesResponse.Builder resp = LeaseLeasesResponse.newBuilder().setHeader(currentHeader());
    lessor.leases().forEach(id -> resp.addLeases(LeaseStatus.newBuilder().setID(id)));
    return resp.build();
  }

  /** The header for a response made now, as etcd's keep-alive makes it before renewing. */
  ResponseHeader currentHeader() {
    return proposer.header(store.currentRevision());
  }
}
