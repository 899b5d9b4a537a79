package io.kvstore.client;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import java.util.concurrent.CompletionException;

/**
 * A running keep-alive of one lease (see {@link Lease#keepAlive}): one refresh at a time, the
 * next scheduled a third of the granted TTL after the previous answer, or after a backoff delay
 * if it failed for a reason that may pass.
 *
 * <p>Thread-safety: {@link #close} from any thread; refreshes run on the client's executor, one
 * at a time, so {@code onNext} calls never overlap. Exactly one of {@code onError} and {@code
 * onCompleted} is called, once; a refresh answered while {@link #close} runs may still deliver
 * its {@code onNext}.
 */
public final class LeaseKeepAlive implements AutoCloseable {
  /** The shortest pause between two refreshes. */
  static final long MIN_INTERVAL_MILLIS = 500;

  private final Lease lease;
  private final ClientContext context;
  private final long id;
  private final StreamObserver<LeaseKeepAliveResponse> responses;
  /** Used by one refresh at a time. */
  private final Backoff backoff = new Backoff();
  /** Set once, by close or a terminal failure; guarded by this. */
  private boolean ended;

  LeaseKeepAlive(Lease lease, ClientContext context, long id,
      StreamObserver<LeaseKeepAliveResponse> responses) {
    this.lease = lease;
    this.context = context;
    this.id = id;
    this.responses = responses;
  }

  /** The lease kept alive. */
  public long leaseId() {
    return id;
  }

  void start() {
    refresh();
  }

  private void refresh() {
    if (isEnded()) {
      return;
    }
    lease.keepAliveOnce(id).whenComplete((response, error) -> {
      if (isEnded()) {
        return;
      }
      if (error == null) {
        backoff.reset();
        responses.onNext(response);
        next(Math.max(MIN_INTERVAL_MILLIS, response.getTTL() * 1000 / 3));
      } else {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        if (cause instanceof KvClientException k && Failures.AMBIGUOUS.contains(k.code())) {
          next(backoff.nextMillis());
        } else {
          end(cause);
        }
      }
    });
  }

  private void next(long delayMillis) {
    if (!context.schedule(this::refresh, delayMillis)) {
      end(ClientContext.closedException());
    }
  }

  private synchronized boolean isEnded() {
    return ended;
  }

  private void end(Throwable error) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
    }
    responses.onError(error);
  }

  /** Stops refreshing (the lease then expires after its TTL unless revoked); idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
    }
    responses.onCompleted();
  }
}
