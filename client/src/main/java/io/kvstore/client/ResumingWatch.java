package io.kvstore.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchGrpc;
import io.kvstore.api.etcdserverpb.WatchProgressRequest;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * One watch over a succession of gRPC streams (see {@link Watch#watch}). Each stream is created
 * with the caller's request, its start revision replaced by {@link #nextRevision}, which only
 * grows: past each event delivered, past each progress notification (the member has sent
 * everything up to its header revision), and, for a watch "from now", to one past the revision
 * the first {@code created} response reports. Events below it are dropped, so a resumed stream
 * never repeats one; starting from it, it skips none.
 *
 * <p>Thread-safety: state is guarded by {@code this}; the observer is called outside the lock. A
 * stream's callbacks come one at a time, and a stream is opened only after the previous one
 * ended, so deliveries never overlap.
 */
final class ResumingWatch implements WatchHandle {
  /** clientv3's {@code ErrFutureRev}, for a cancellation without a reason. */
  static final String FUTURE_REVISION = "etcdserver: mvcc: required revision is a future revision";

  private final ClientContext context;
  private final WatchCreateRequest request;
  private final StreamObserver<WatchResponse> observer;
  private final Backoff backoff = new Backoff();
  /** The first revision not yet delivered; 0 only for a watch "from now" before it is created. */
  private long nextRevision;
  /** Counts streams; callbacks of an earlier one are ignored. */
  private long generation;
  /** The open stream, null between streams and once ended. */
  private ClientCallStreamObserver<WatchRequest> stream;
  /** Events of the fragments received so far of one fragmented response. */
  private final List<Event> fragments = new ArrayList<>();
  /** Set once: cancelled, or ended by a terminal error. */
  private boolean ended;

  ResumingWatch(ClientContext context, WatchCreateRequest request,
      StreamObserver<WatchResponse> observer) {
    this.context = context;
    this.request = request;
    this.observer = observer;
    this.nextRevision = request.getStartRevision();
  }

  /** Opens a stream from {@link #nextRevision}; ends the watch if the client is closed. */
  void open() {
    synchronized (this) {
      if (ended) {
        return;
      }
      if (!context.isClosed()) {
        generation++;
        fragments.clear();
        stream = (ClientCallStreamObserver<WatchRequest>) ClientCalls.asyncBidiStreamingCall(
            context.leaderChannel().newCall(WatchGrpc.getWatchMethod(), context.streamOptions()),
            new Responses(generation));
        stream.onNext(WatchRequest.newBuilder().setCreateRequest(
            request.toBuilder().setStartRevision(nextRevision)).build());
        return;
      }
    }
    end(ClientContext.closedException());
  }

  @Override
  public synchronized long nextRevision() {
    return nextRevision;
  }

  @Override
  public synchronized void requestProgress() {
    if (stream != null) {
      stream.onNext(WatchRequest.newBuilder()
          .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }
  }

  @Override
  public void cancel() {
    if (stop()) {
      observer.onCompleted();
    }
  }

  private void end(Throwable error) {
    if (stop()) {
      observer.onError(error);
    }
  }

  /** Marks the watch ended and cancels its stream; false if it had already ended. */
  private synchronized boolean stop() {
    if (ended) {
      return false;
    }
    ended = true;
    if (stream != null) {
      stream.cancel("watch ended", null);
      stream = null;
    }
    return true;
  }

  /**
   * Takes one response of the current stream: returns what to deliver, or null; a cancellation
   * is returned as the error that ends the watch.
   */
  private synchronized Object take(long gen, WatchResponse r) {
    if (ended || gen != generation) {
      return null;
    }
    if (r.getCanceled()) {
      return r.getCompactRevision() > 0 ? new WatchCompactedException(r.getCompactRevision())
          : new EtcdException(Status.Code.FAILED_PRECONDITION,
              r.getCancelReason().isEmpty() ? FUTURE_REVISION : r.getCancelReason(), null);
    }
    if (r.getCreated()) {
      if (nextRevision == 0) {
        nextRevision = r.getHeader().getRevision() + 1;
      }
      backoff.reset();
      return null;
    }
    fragments.addAll(r.getEventsList());
    if (r.getFragment()) {
      return null;
    }
    List<Event> fresh = fragments.stream()
        .filter(e -> e.getKv().getModRevision() >= nextRevision).toList();
    boolean progress = fragments.isEmpty();
    fragments.clear();
    if (progress) {
      nextRevision = Math.max(nextRevision, r.getHeader().getRevision() + 1);
      return r;
    }
    if (fresh.isEmpty()) {
      return null;
    }
    nextRevision = fresh.get(fresh.size() - 1).getKv().getModRevision() + 1;
    return r.toBuilder().clearEvents().addAllEvents(fresh).build();
  }

  /**
   * The current stream ended with {@code status}: schedules a new one after a backoff delay if
   * that may help, else returns the error that ends the watch (null if nothing is to be done).
   */
  private synchronized Throwable broken(long gen, Status status) {
    if (ended || gen != generation) {
      return null;
    }
    stream = null;
    if (!Failures.mayReopenStream(status)) {
      return Failures.definite(status);
    }
    return context.schedule(this::open, backoff.nextMillis()) ? null : ClientContext.closedException();
  }

  /** The observer of one stream, identified by its generation. */
  private final class Responses implements StreamObserver<WatchResponse> {
    private final long gen;

    Responses(long gen) {
      this.gen = gen;
    }

    @Override
    public void onNext(WatchResponse response) {
      Object taken = take(gen, response);
      if (taken instanceof WatchResponse deliver) {
        observer.onNext(deliver);
      } else if (taken instanceof Throwable error) {
        end(error);
      }
    }

    @Override
    public void onError(Throwable t) {
      Throwable error = broken(gen, Status.fromThrowable(t));
      if (error != null) {
        end(error);
      }
    }

    @Override
    public void onCompleted() {
      onError(Status.UNAVAILABLE.withDescription("the member ended the watch stream")
          .asRuntimeException());
    }
  }
}
