package io.kvstore.server.election;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.v3lockpb.LockGrpc;
import io.kvstore.api.v3lockpb.LockRequest;
import io.kvstore.api.v3lockpb.LockResponse;
import io.kvstore.api.v3lockpb.UnlockRequest;
import io.kvstore.api.v3lockpb.UnlockResponse;
import java.util.concurrent.Executor;

/**
 * {@code v3lockpb.Lock}, as etcd's {@code v3lock} server: a lock is a queue of keys under {@code
 * name/}, one per waiter's lease, held by the key created first. Lock waits its turn ({@link
 * LockAttempt}) and answers with the key; Unlock deletes the key it is given, whatever it is, as
 * etcd does.
 *
 * <p>Thread-safety: stateless apart from its collaborators; called concurrently by gRPC on the
 * transport threads, never blocking them.
 */
public final class LockService extends LockGrpc.LockImplBase {
  private final Keyspace keyspace;
  private final KeyWatches watches;
  private final Executor executor;

  /** Waits run their steps on {@code executor}, which must not be the caller's. */
  public LockService(Keyspace keyspace, KeyWatches watches, Executor executor) {
    this.keyspace = keyspace;
    this.watches = watches;
    this.executor = executor;
  }

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> out) {
    LockAttempt.run(keyspace, new PredecessorWait(keyspace, watches, executor), request,
        new UnaryReply<>(out));
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> out) {
    new UnaryReply<>(out).with(keyspace.deleteRange(
            DeleteRangeRequest.newBuilder().setKey(request.getKey()).build())
        .thenApply(deleted -> UnlockResponse.newBuilder().setHeader(deleted.getHeader())
            .build()));
  }
}
