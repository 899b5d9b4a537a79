package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.api.v3lockpb.LockRequest;
import io.kvstore.api.v3lockpb.LockResponse;
import io.kvstore.server.election.PredecessorWait.KeyLostException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One Lock call, as etcd's lock server runs {@code concurrency.Mutex.Lock}: with the session lease
 * (the request's, or a fresh one for lease 0) one txn creates the waiter key {@code name/<lease
 * hex>} with an empty value unless it exists, and reads the current holder; if the key is the
 * holder, the lock is taken with the txn's header; else the call waits until no key under {@code
 * name/} was created before its own and answers with the header of the read that saw it first.
 *
 * <p>If the wait fails or the client cancels, the key is deleted (etcd's unlock on a failed
 * wait), also when the cancellation came while the key was being created. If the key is deleted
 * while waiting (its lease expired or was revoked), the call fails with etcd 3.5's "mutex: session
 * is expired" at once rather than once every earlier waiter left.
 *
 * <p>Thread-safety: started from the gRPC handler; the steps run in future callbacks, one after
 * the other, and cancellation may come from a transport thread at any time.
 */
final class LockAttempt {
  private final Keyspace keyspace;
  private final LockRequest request;
  private final UnaryReply<LockResponse> reply;
  private final PredecessorWait wait;

  private LockAttempt(Keyspace keyspace, PredecessorWait wait, LockRequest request,
      UnaryReply<LockResponse> reply) {
    this.keyspace = keyspace;
    this.request = request;
    this.reply = reply;
    this.wait = wait;
  }

  /** Runs the lock attempt of {@code request}, answering {@code reply}; call from the handler. */
  static void run(Keyspace keyspace, PredecessorWait wait, LockRequest request,
      UnaryReply<LockResponse> reply) {
    LockAttempt attempt = new LockAttempt(keyspace, wait, request, reply);
    reply.onCancel(wait::cancel);
    Sessions.lease(keyspace, request.getLease()).thenCompose(attempt::enqueue)
        .whenComplete(attempt::enqueued);
  }

  /** The waiter's key and the txn that created or found it, then read the holder. */
  private record Waiter(ByteString key, TxnResponse txn) {
    long revision() {
      return txn.getSucceeded() ? txn.getHeader().getRevision()
          : txn.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
    }

    boolean holds() {
      List<KeyValue> holder = txn.getResponses(1).getResponseRange().getKvsList();
      return holder.isEmpty() || holder.get(0).getCreateRevision() == revision();
    }
  }

  private CompletableFuture<Waiter> enqueue(long lease) {
    if (wait.cancelRequested()) {
      return CompletableFuture.failedFuture(new CancellationException("lock cancelled"));
    }
    ByteString key = RecipeKeys.participant(request.getName(), lease);
    RequestOp holder = RequestOp.newBuilder()
        .setRequestRange(RecipeKeys.firstCreated(RecipeKeys.prefix(request.getName()))).build();
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(RecipeKeys.createdAt(key, 0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(key).setLease(lease)))
        .addSuccess(holder)
        .addFailure(RequestOp.newBuilder().setRequestRange(RecipeKeys.get(key)))
        .addFailure(holder)
        .build();
    return keyspace.txn(txn).thenApply(response -> new Waiter(key, response));
  }

  private void enqueued(Waiter waiter, Throwable error) {
    if (error != null) {
      reply.complete(null, error);
    } else if (waiter.holds() && !wait.cancelRequested()) {
      reply.complete(response(waiter, waiter.txn().getHeader()), null);
    } else if (waiter.holds()) {
      unlock(waiter);
    } else {
      wait.start(RecipeKeys.prefix(request.getName()), waiter.key(), waiter.revision())
          .whenComplete((header, waitError) -> {
            Throwable cause = waitError instanceof CompletionException
                && waitError.getCause() != null ? waitError.getCause() : waitError;
            if (cause == null && !wait.cancelRequested()) {
              reply.complete(response(waiter, header), null);
            } else if (cause instanceof KeyLostException) {
              reply.fail(RecipeStatuses.SESSION_EXPIRED);
            } else {
              unlock(waiter);
              reply.complete(null, cause == null ? new CancellationException() : cause);
            }
          });
    }
  }

  private static LockResponse response(Waiter waiter, ResponseHeader header) {
    return LockResponse.newBuilder().setHeader(header).setKey(waiter.key()).build();
  }

  private void unlock(Waiter waiter) {
    keyspace.deleteRange(DeleteRangeRequest.newBuilder().setKey(waiter.key()).build());
  }
}
