package io.kvstore.client;

import static org.assertj.core.api.Assertions.fail;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Records what a watch delivers, for tests: the responses in order, and how it ended.
 * Thread-safety: safe for concurrent use.
 */
final class WatchRecorder implements StreamObserver<WatchResponse> {
  private final List<WatchResponse> responses = new ArrayList<>();
  /** Completed with the error, or null for onCompleted. */
  final CompletableFuture<Throwable> ended = new CompletableFuture<>();

  @Override
  public synchronized void onNext(WatchResponse response) {
    responses.add(response);
  }

  @Override
  public void onError(Throwable t) {
    ended.complete(t);
  }

  @Override
  public void onCompleted() {
    ended.complete(null);
  }

  synchronized List<WatchResponse> responses() {
    return List.copyOf(responses);
  }

  List<Event> events() {
    return responses().stream().flatMap(r -> r.getEventsList().stream()).toList();
  }

  /** Polls until the responses so far satisfy {@code condition}; fails after {@code timeout}. */
  List<WatchResponse> await(Predicate<List<WatchResponse>> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<WatchResponse> now = responses();
      if (condition.test(now)) {
        return now;
      }
      if (ended.isDone() || System.nanoTime() - deadline > 0) {
        fail("watch delivered %s; ended: %s", now, ended.getNow(null));
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
