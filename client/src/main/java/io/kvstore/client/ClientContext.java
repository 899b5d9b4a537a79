package io.kvstore.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What every call of one {@link KvClient} shares: the channel (and a view of it that sends etcd's
 * {@code hasleader: true}), the call timeout, the executor callbacks run on and the timer that
 * delays retries. Calls made after {@link #close} fail; scheduled retries are dropped.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
final class ClientContext implements AutoCloseable {
  /** clientv3's {@code WithRequireLeader}: a member without a leader refuses the call. */
  static final Metadata.Key<String> HAS_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel managed;
  private final Channel requiringLeader;
  private final Channel forCalls;
  private final Duration callTimeout;
  private final Executor executor;
  private final ScheduledExecutorService timer;
  private volatile boolean closed;

  ClientContext(ManagedChannel channel, boolean requireLeader, Duration callTimeout,
      Executor executor, ScheduledExecutorService timer) {
    this.managed = channel;
    Metadata hasLeader = new Metadata();
    hasLeader.put(HAS_LEADER, "true");
    this.requiringLeader =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(hasLeader));
    this.forCalls = requireLeader ? requiringLeader : channel;
    this.callTimeout = callTimeout;
    this.executor = executor;
    this.timer = timer;
  }

  /** The channel for unary calls: with {@code hasleader} if the client was built to send it. */
  Channel channel() {
    return forCalls;
  }

  /** The channel that always sends {@code hasleader: true}, as clientv3 does for watches. */
  Channel leaderChannel() {
    return requiringLeader;
  }

  /** A deadline {@code callTimeout} from now, for all attempts of one call. */
  Deadline newDeadline() {
    return Deadline.after(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Options of a call: waits for a ready member up to {@code deadline}. */
  CallOptions options(Deadline deadline) {
    return CallOptions.DEFAULT.withWaitForReady().withDeadline(deadline);
  }

  /** Options of a long-lived stream: waits for a ready member, no deadline. */
  CallOptions streamOptions() {
    return CallOptions.DEFAULT.withWaitForReady();
  }

  /** The executor observers and futures are completed on. */
  Executor executor() {
    return executor;
  }

  /** Runs {@code task} after {@code delayMillis}; false if the client is closed. */
  boolean schedule(Runnable task, long delayMillis) {
    if (closed) {
      return false;
    }
    try {
      timer.schedule(() -> executor.execute(task), delayMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** The failure of a call or stream refused because the client is closed. */
  static KvClientException closedException() {
    return new KvClientException(Status.Code.CANCELLED, "the client is closed", null);
  }

  /** Stops the timer and the channel; calls under way fail with {@code CANCELLED}. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    managed.shutdownNow();
  }
}
