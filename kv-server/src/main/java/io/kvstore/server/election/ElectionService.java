package io.kvstore.server.election;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.v3electionpb.CampaignRequest;
import io.kvstore.api.v3electionpb.CampaignResponse;
import io.kvstore.api.v3electionpb.ElectionGrpc;
import io.kvstore.api.v3electionpb.LeaderKey;
import io.kvstore.api.v3electionpb.LeaderRequest;
import io.kvstore.api.v3electionpb.LeaderResponse;
import io.kvstore.api.v3electionpb.ProclaimRequest;
import io.kvstore.api.v3electionpb.ProclaimResponse;
import io.kvstore.api.v3electionpb.ResignRequest;
import io.kvstore.api.v3electionpb.ResignResponse;
import java.util.concurrent.Executor;

/**
 * {@code v3electionpb.Election}, as etcd's {@code v3election} server: elections are keys under
 * {@code name/}, one per participant's lease, and the leader is the one created first. Campaign
 * waits its turn ({@link Campaign}), Observe streams the leader ({@link LeaderObserver}); Leader,
 * Proclaim and Resign are one read or one guarded txn each. Errors carry etcd's texts.
 *
 * <p>Thread-safety: stateless apart from its collaborators; called concurrently by gRPC on the
 * transport threads, never blocking them.
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final Keyspace keyspace;
  private final KeyWatches watches;
  private final Executor executor;

  /** Waits and streams run their steps on {@code executor}, which must not be the caller's. */
  public ElectionService(Keyspace keyspace, KeyWatches watches, Executor executor) {
    this.keyspace = keyspace;
    this.watches = watches;
    this.executor = executor;
  }

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
    Campaign.run(keyspace, new PredecessorWait(keyspace, watches, executor), request,
        new UnaryReply<>(out));
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> out) {
    UnaryReply<ProclaimResponse> reply = new UnaryReply<>(out);
    if (!request.hasLeader()) {
      reply.fail(RecipeStatuses.MISSING_LEADER_KEY);
      return;
    }
    LeaderKey leader = request.getLeader();
    reply.with(Sessions.lease(keyspace, leader.getLease())
        .thenCompose(lease -> LeaderKeys.proclaim(keyspace, leader.getKey(), leader.getRev(),
            lease, request.getValue()))
        .thenApply(txn -> ProclaimResponse.newBuilder().setHeader(txn.getHeader()).build()));
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> out) {
    UnaryReply<LeaderResponse> reply = new UnaryReply<>(out);
    keyspace.range(RecipeKeys.firstCreated(RecipeKeys.prefix(request.getName())))
        .whenComplete((range, error) -> {
          if (error != null) {
            reply.complete(null, error);
          } else if (range.getKvsCount() == 0) {
            reply.fail(RecipeStatuses.NO_LEADER);
          } else {
            reply.complete(LeaderResponse.newBuilder().setHeader(range.getHeader())
                .setKv(range.getKvs(0)).build(), null);
          }
        });
  }

  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> out) {
    LeaderObserver.start(keyspace, watches, executor, request.getName(), out);
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> out) {
    UnaryReply<ResignResponse> reply = new UnaryReply<>(out);
    if (!request.hasLeader()) {
      reply.fail(RecipeStatuses.MISSING_LEADER_KEY);
      return;
    }
    LeaderKey leader = request.getLeader();
    reply.with(LeaderKeys.resign(keyspace, leader.getKey(), leader.getRev())
        .thenApply(txn -> ResignResponse.newBuilder().setHeader(txn.getHeader()).build()));
  }
}
