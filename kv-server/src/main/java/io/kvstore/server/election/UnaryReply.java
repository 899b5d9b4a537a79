package io.kvstore.server.election;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.server.etcd.GrpcErrors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The answer to one unary call: sent at most once, with a value or with etcd's status for a
 * failure, and not at all once the client cancelled the call.
 *
 * <p>Thread-safety: safe for concurrent use; the first answer wins.
 */
final class UnaryReply<T> {
  private final ServerCallStreamObserver<T> call;
  private final AtomicBoolean answered = new AtomicBoolean();

  UnaryReply(StreamObserver<T> out) {
    this.call = (ServerCallStreamObserver<T>) out;
  }

  /**
   * Runs {@code onCancel} if the client cancels the call (disconnects, or its deadline passes).
   * Must be called from the gRPC handler, before it returns; {@code onCancel} runs on a transport
   * thread and must not block.
   */
  void onCancel(Runnable onCancel) {
    call.setOnCancelHandler(onCancel);
  }

  /** Answers with the future's value or failure once it completes. */
  void with(CompletableFuture<T> result) {
    result.whenComplete(this::complete);
  }

  void complete(T value, Throwable error) {
    if (error != null) {
      fail(GrpcErrors.toStatus(error));
    } else if (answered.compareAndSet(false, true) && !call.isCancelled()) {
      call.onNext(value);
      call.onCompleted();
    }
  }

  void fail(Status status) {
    if (answered.compareAndSet(false, true) && !call.isCancelled()) {
      call.onError(status.asRuntimeException());
    }
  }
}
