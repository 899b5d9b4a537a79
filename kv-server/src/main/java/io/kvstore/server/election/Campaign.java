package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.api.v3electionpb.CampaignRequest;
import io.kvstore.api.v3electionpb.CampaignResponse;
import io.kvstore.api.v3electionpb.LeaderKey;
import io.kvstore.server.election.PredecessorWait.KeyLostException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One Campaign call, as etcd's election server runs {@code concurrency.Election.Campaign}: with
 * the session lease (the request's, or a fresh one for lease 0) it creates the candidate key
 * {@code name/<lease hex>} holding the value, unless the key exists, in which case it keeps the
 * key's place and proclaims the value if it differs; then it waits until no key under {@code
 * name/} was created before it, and answers with the leader key and the header of the creating
 * txn.
 *
 * <p>If the client cancels, the wait ends and the key is resigned (deleted if it is still the one
 * created), also when the cancellation came while the key was being created. If the key is
 * deleted while waiting (its lease expired or was revoked), the call fails with "election: not
 * leader" at once; etcd 3.4 and 3.5 would keep waiting and then answer as if elected.
 *
 * <p>Thread-safety: started from the gRPC handler; the steps run in future callbacks, one after
 * the other, and cancellation may come from a transport thread at any time.
 */
final class Campaign {
  private final Keyspace keyspace;
  private final CampaignRequest request;
  private final UnaryReply<CampaignResponse> reply;
  private final PredecessorWait wait;

  /** The candidate's key, its create revision, its lease and the header of the creating txn. */
  private record Candidate(ByteString key, long revision, long lease, ResponseHeader header) {}

  private Campaign(Keyspace keyspace, PredecessorWait wait, CampaignRequest request,
      UnaryReply<CampaignResponse> reply) {
    this.keyspace = keyspace;
    this.request = request;
    this.reply = reply;
    this.wait = wait;
  }

  /** Runs the campaign of {@code request}, answering {@code reply}; call from the handler. */
  static void run(Keyspace keyspace, PredecessorWait wait, CampaignRequest request,
      UnaryReply<CampaignResponse> reply) {
    Campaign campaign = new Campaign(keyspace, wait, request, reply);
    reply.onCancel(wait::cancel);
    Sessions.lease(keyspace, request.getLease()).thenCompose(campaign::enter)
        .whenComplete(campaign::entered);
  }

  /** Creates the candidate key, or takes over the existing one with the requested value. */
  private CompletableFuture<Candidate> enter(long lease) {
    if (wait.cancelRequested()) {
      return CompletableFuture.failedFuture(new CancellationException("campaign cancelled"));
    }
    ByteString key = RecipeKeys.participant(request.getName(), lease);
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(RecipeKeys.createdAt(key, 0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
            .setValue(request.getValue()).setLease(lease)))
        .addFailure(RequestOp.newBuilder().setRequestRange(RecipeKeys.get(key)))
        .build();
    return keyspace.txn(txn).thenCompose(response -> {
      if (response.getSucceeded()) {
        return CompletableFuture.completedFuture(new Candidate(key,
            response.getHeader().getRevision(), lease, response.getHeader()));
      }
      KeyValue existing = response.getResponses(0).getResponseRange().getKvs(0);
      Candidate candidate = new Candidate(key, existing.getCreateRevision(), lease,
          response.getHeader());
      if (existing.getValue().equals(request.getValue())) {
        return CompletableFuture.completedFuture(candidate);
      }
      return LeaderKeys.proclaim(keyspace, key, candidate.revision(), lease, request.getValue())
          .thenApply(proclaimed -> candidate)
          .exceptionallyCompose(error -> LeaderKeys.resign(keyspace, key, candidate.revision())
              .<Candidate>handle((resigned, ignored) -> {
                throw error instanceof CompletionException c ? c : new CompletionException(error);
              }));
    });
  }

  private void entered(Candidate candidate, Throwable error) {
    if (error != null) {
      reply.complete(null, error);
      return;
    }
    wait.start(RecipeKeys.prefix(request.getName()), candidate.key(), candidate.revision())
        .whenComplete((header, waitError) -> elected(candidate, waitError));
  }

  private void elected(Candidate candidate, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause == null && !wait.cancelRequested()) {
      reply.complete(CampaignResponse.newBuilder().setHeader(candidate.header())
          .setLeader(LeaderKey.newBuilder().setName(request.getName()).setKey(candidate.key())
              .setRev(candidate.revision()).setLease(candidate.lease()))
          .build(), null);
    } else if (cause == null || cause instanceof CancellationException) {
      LeaderKeys.resign(keyspace, candidate.key(), candidate.revision());
    } else if (cause instanceof KeyLostException) {
      reply.fail(RecipeStatuses.NOT_LEADER);
    } else {
      reply.complete(null, cause);
    }
  }
}
