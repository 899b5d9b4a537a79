package io.kvstore.server.etcd;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.WatchGrpc;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.server.watch.WatchHub;
import io.kvstore.server.watch.WatchStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * {@code etcdserverpb.Watch}: each call is one {@link WatchStream} carrying any number of watches
 * over the member's {@link WatchHub}. Responses are sent by a small pool of sender threads, one
 * drain per stream at a time, paced by gRPC's flow control; each stream gets a progress tick
 * every {@code progressInterval} plus up to a tenth of it as jitter, as etcd's (10 minutes by
 * default). Response headers carry the cluster and member ids, the revision and the current
 * Raft term.
 *
 * <p>Thread-safety: called concurrently by gRPC; {@link #close} once, from any thread.
 */
public final class WatchService extends WatchGrpc.WatchImplBase implements AutoCloseable {
  /** etcd's {@code progressReportInterval}. */
  public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofMinutes(10);

  private final WatchHub hub;
  private final long clusterId;
  private final long memberId;
  private final LongSupplier raftTerm;
  private final int maxRequestBytes;
  private final long progressMillis;
  private final ExecutorService senders;
  /** Runs on {@link #senders}; drops what arrives after {@link #close}, when streams are over. */
  private final Executor sending;
  private final ScheduledExecutorService ticker;
  /** The open streams and their progress ticks. */
  private final Map<WatchStream, ScheduledFuture<?>> streams = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public WatchService(WatchHub hub, long clusterId, long memberId, LongSupplier raftTerm,
      int maxRequestBytes, Duration progressInterval) {
    this.hub = hub;
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.raftTerm = raftTerm;
    this.maxRequestBytes = maxRequestBytes;
    this.progressMillis = Math.max(1, progressInterval.toMillis());
    this.senders = Executors.newFixedThreadPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()), daemons("watch-send"));
    this.sending = task -> {
      try {
        senders.execute(task);
      } catch (RejectedExecutionException e) {
        // Closed: every stream has ended, so there is nothing left to send.
      }
    };
    this.ticker = Executors.newSingleThreadScheduledExecutor(daemons("watch-progress"));
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out =
        (ServerCallStreamObserver<WatchResponse>) responses;
    WatchStream stream = new WatchStream(hub, out, sending, this::header, maxRequestBytes,
        this::forget);
    out.setOnReadyHandler(() -> sending.execute(stream::drain));
    out.setOnCancelHandler(() -> stream.close(null));
    long period = progressMillis + ThreadLocalRandom.current().nextLong(progressMillis / 10 + 1);
    try {
      streams.put(stream, ticker.scheduleAtFixedRate(stream::progressTick, period, period,
          TimeUnit.MILLISECONDS));
    } catch (RejectedExecutionException e) {
      // The service closed meanwhile; the stream is ended below.
    }
    if (closed) {
      stream.close(stopped());
    }
    return stream;
  }

  private ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setClusterId(clusterId).setMemberId(memberId)
        .setRevision(revision).setRaftTerm(raftTerm.getAsLong()).build();
  }

  private void forget(WatchStream stream) {
    ScheduledFuture<?> tick = streams.remove(stream);
    if (tick != null) {
      tick.cancel(false);
    }
  }

  /**
   * Ends every stream with etcd's "server stopped", and any opened later at once, and stops the
   * service's threads.
   */
  @Override
  public void close() {
    closed = true;
    streams.keySet().forEach(s -> s.close(stopped()));
    ticker.shutdownNow();
    senders.shutdown();
  }

  private static Status stopped() {
    return Status.UNAVAILABLE.withDescription(GrpcErrors.STOPPED);
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
