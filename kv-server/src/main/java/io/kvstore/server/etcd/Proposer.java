package io.kvstore.server.etcd;

import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.raft.node.RequestTimeoutException;
import io.kvstore.server.apply.ApplyWaiters;
import io.kvstore.server.apply.RequestIds;
import io.kvstore.server.pb.InternalRaftRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Proposes {@link InternalRaftRequest}s as etcd's {@code raftRequest}: gives each a
 * cluster-unique id, refuses one larger than {@code --max-request-bytes}, hands it to Raft
 * (forwarded to the leader from a follower) and answers when the entry is applied here, or fails
 * after the request timeout. Also builds the response header every etcd service sends.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class Proposer {
  private final RaftNode raft;
  private final ApplyWaiters waiters;
  private final RequestIds ids;
  private final long clusterId;
  private final long memberId;
  private final Duration requestTimeout;
  private final int maxRequestBytes;

  public Proposer(RaftNode raft, ApplyWaiters waiters, long clusterId, long memberId,
      Duration requestTimeout, int maxRequestBytes) {
    this.raft = raft;
    this.waiters = waiters;
    this.ids = new RequestIds(memberId, System.currentTimeMillis());
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.requestTimeout = requestTimeout;
    this.maxRequestBytes = maxRequestBytes;
  }

  /** A fresh cluster-unique id (etcd's {@code reqIDGen.Next()}). */
  public long nextId() {
    return ids.next();
  }

  /**
   * Proposes {@code request} under a fresh id; the future completes with the apply result, or
   * fails with the refusal, {@link RequestTooLargeException}, a Raft failure or {@link
   * RequestTimeoutException}.
   */
  public CompletableFuture<Object> propose(InternalRaftRequest.Builder request) {
    return propose(request, raft::submit);
  }

  /**
   * As {@link #propose}, but only appended if this member leads, never forwarded ({@link
   * RaftNode#submitAsLeader}): for the decisions only the current leader may make.
   */
  public CompletableFuture<Object> proposeAsLeader(InternalRaftRequest.Builder request) {
    return propose(request, raft::submitAsLeader);
  }

  private CompletableFuture<Object> propose(InternalRaftRequest.Builder request,
      Function<byte[], CompletableFuture<Void>> submit) {
    long id = ids.next();
    byte[] data = request.setId(id).build().toByteArray();
    if (data.length > maxRequestBytes) {
      return CompletableFuture.failedFuture(new RequestTooLargeException(data.length,
          maxRequestBytes));
    }
    CompletableFuture<Object> applied = waiters.register(id);
    submit.apply(data).whenComplete((ok, error) -> {
      if (error != null) {
        applied.completeExceptionally(error);
      }
    });
    return applied.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
            e instanceof TimeoutException
                ? new RequestTimeoutException("request timed out") : e));
  }

  /** The response header etcd sends: cluster, member, {@code revision}, the Raft term. */
  public ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setClusterId(clusterId).setMemberId(memberId)
        .setRevision(revision).setRaftTerm(raft.status().term()).build();
  }
}
