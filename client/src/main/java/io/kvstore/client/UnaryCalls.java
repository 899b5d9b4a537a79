package io.kvstore.client;

import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs unary etcd calls, each under one deadline of the client's call timeout covering all its
 * attempts, and reports failures as {@link KvClientException}s.
 *
 * <ul>
 *   <li>{@link #read}: one gRPC call; gRPC's retry policy (see {@link ServiceConfigs}) repeats it
 *       on {@code UNAVAILABLE}, on the next healthy member.
 *   <li>{@link #write}: sent again only when it provably was not applied ({@link
 *       Failures#mayResendWrite}), after a {@link Backoff} delay and while the deadline leaves
 *       time; a failure after the request may have reached a server is an {@link
 *       OutcomeUnknownException}, never retried.
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent use; futures complete on the client's executor.
 */
final class UnaryCalls {
  private final ClientContext context;

  UnaryCalls(ClientContext context) {
    this.context = context;
  }

  /** Calls a method that is safe to repeat. */
  <Q, R> CompletableFuture<R> read(MethodDescriptor<Q, R> method, Q request) {
    if (context.isClosed()) {
      return CompletableFuture.failedFuture(ClientContext.closedException());
    }
    CompletableFuture<R> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        context.channel().newCall(method, context.options(context.newDeadline())), request,
        new Observer<>(result) {
          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(Failures.definite(Status.fromThrowable(t)));
          }
        });
    return result;
  }

  /** Calls a method that changes the cluster. */
  <Q, R> CompletableFuture<R> write(MethodDescriptor<Q, R> method, Q request) {
    if (context.isClosed()) {
      return CompletableFuture.failedFuture(ClientContext.closedException());
    }
    CompletableFuture<R> result = new CompletableFuture<>();
    attempt(method, request, context.newDeadline(), new Backoff(), result);
    return result;
  }

  private <Q, R> void attempt(MethodDescriptor<Q, R> method, Q request, Deadline deadline,
      Backoff backoff, CompletableFuture<R> result) {
    SendTracker sent = new SendTracker();
    ClientCalls.asyncUnaryCall(
        context.channel().newCall(method,
            context.options(deadline).withStreamTracerFactory(sent)),
        request, new Observer<>(result) {
          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (Failures.mayResendWrite(status, sent.streamCreated())) {
              long delay = backoff.nextMillis();
              if (deadline.timeRemaining(TimeUnit.MILLISECONDS) > delay
                  && context.schedule(
                      () -> attempt(method, request, deadline, backoff, result), delay)) {
                return;
              }
            }
            result.completeExceptionally(Failures.ofWrite(status, sent.streamCreated()));
          }
        });
  }

  /** Completes the future with the single response; subclasses say how failures complete it. */
  private abstract static class Observer<R> implements StreamObserver<R> {
    private final CompletableFuture<R> result;

    Observer(CompletableFuture<R> result) {
      this.result = result;
    }

    @Override
    public void onNext(R value) {
      result.complete(value);
    }

    @Override
    public void onCompleted() {
      if (!result.isDone()) {
        result.completeExceptionally(new KvClientException(Status.Code.INTERNAL,
            "the call ended without a response", null));
      }
    }
  }
}
