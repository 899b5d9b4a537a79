package io.kvstore.server.election;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Asynchronous calls for the tests: a unary call as a future, a stream as a queue. */
final class Calls {
  private Calls() {}

  /** A started call, cancellable as a client cancels: its context is cancelled. */
  record Pending<T>(CompletableFuture<T> result, Context.CancellableContext context) {
    void cancel() {
      context.cancel(null);
    }
  }

  /** Starts {@code call} (which must start one unary call with the observer) in its own context. */
  static <T> Pending<T> unary(Consumer<StreamObserver<T>> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> call.accept(new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.completeExceptionally(new AssertionError("completed without a value"));
      }
    }));
    return new Pending<>(result, context);
  }

  /** A server stream's messages, in order, and its end. */
  static final class Stream<T> implements StreamObserver<T> {
    final BlockingQueue<T> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();
    Context.CancellableContext context;

    @Override
    public void onNext(T value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }

    T next() throws InterruptedException {
      T value = messages.poll(RecipeFixture.WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (value == null) {
        throw new AssertionError("no message within " + RecipeFixture.WAIT);
      }
      return value;
    }

    void cancel() {
      context.cancel(null);
    }
  }

  /** Starts {@code call} (which must start one server-streaming call) in its own context. */
  static <T> Stream<T> stream(Consumer<StreamObserver<T>> call) {
    Stream<T> stream = new Stream<>();
    stream.context = Context.current().withCancellation();
    stream.context.run(() -> call.accept(stream));
    return stream;
  }

  /** The status a failed blocking call or future threw. */
  static Status status(Throwable t) {
    Throwable e = t;
    while (e != null && !(e instanceof StatusRuntimeException)) {
      e = e.getCause();
    }
    if (e == null) {
      throw new AssertionError("not a gRPC failure", t);
    }
    return ((StatusRuntimeException) e).getStatus();
  }
}
