package io.kvstore.bench;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The lease-keepalive workload, as etcd's benchmark runs it: every client grants one lease, then
 * sends keep-alives for it on its own LeaseKeepAlive stream, the next as soon as the previous is
 * answered; the latency of a keep-alive is from its send to its response ({@code keepalive}).
 * A keep-alive unanswered within {@code --timeout} fails with DEADLINE_EXCEEDED and its stream is
 * replaced. The leases are revoked afterwards.
 *
 * <p>Thread-safety: one run at a time; each client's stream is used by one request at a time.
 */
final class LeaseLoad {
  private LeaseLoad() {}

  static Result run(LoadOptions o, Connections conns, long ttlSeconds)
      throws InterruptedException {
    long timeoutNanos = o.timeoutValue().toNanos();
    List<Long> leases = new ArrayList<>();
    for (int c = 0; c < o.clients; c++) {
      leases.add(LeaseGrpc.newBlockingStub(conns.channel(c))
          .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
          .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build()).getID());
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kv-bench-keepalive-timeout");
      t.setDaemon(true);
      return t;
    });
    List<KeepAliveStream> streams = new ArrayList<>();
    for (int c = 0; c < o.clients; c++) {
      streams.add(new KeepAliveStream(conns, c, leases.get(c), timer, timeoutNanos));
    }
    try {
      LoadRunner.Request request = (client, seq, done) -> streams.get(client).send(done);
      Recording rec = new Recording();
      LoadRunner runner = new LoadRunner(o.clients, o.rateOr(0), false);
      if (o.warmupOrNull() != null) {
        Recording warm = new Recording();
        runner.run(request, LoadRunner.Budget.nanos(o.warmupOrNull().toNanos()), warm, "never",
            "warmup");
      }
      long elapsed = runner.run(request, LoadRunner.Budget.of(o), rec, o.progress,
          "lease-keepalive");
      java.util.Map<String, Object> settings = o.describe();
      settings.put("leaseTtl", ttlSeconds);
      return Result.of("lease-keepalive", settings, rec, elapsed / 1e9, "keepalive",
          java.util.Map.of(), -1);
    } finally {
      streams.forEach(KeepAliveStream::close);
      timer.shutdownNow();
      for (int c = 0; c < leases.size(); c++) {
        try {
          LeaseGrpc.newBlockingStub(conns.channel(c))
              .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
              .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(leases.get(c)).build());
        } catch (RuntimeException e) {
          // best effort: the lease expires on its own
        }
      }
    }
  }

  /** One client's keep-alive stream; at most one keep-alive outstanding. */
  private static final class KeepAliveStream {
    private final Connections conns;
    private final int client;
    private final long lease;
    private final ScheduledExecutorService timer;
    private final long timeoutNanos;
    private final AtomicReference<LoadRunner.Done> pending = new AtomicReference<>();
    /** The open stream; replaced after an error or a timeout. Guarded by this. */
    private Call current;

    /** One LeaseKeepAlive call; its late errors, once it was replaced, are ignored. */
    private final class Call implements StreamObserver<LeaseKeepAliveResponse> {
      StreamObserver<LeaseKeepAliveRequest> requests;

      @Override
      public void onNext(LeaseKeepAliveResponse r) {
        LoadRunner.Done d = pending.getAndSet(null);
        if (d == null) {
          return;
        }
        if (r.getTTL() <= 0) {
          d.failed(new IllegalStateException("etcdserver: requested lease not found"));
        } else {
          d.ok("keepalive");
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (KeepAliveStream.this) {
          if (current != this) {
            return;
          }
          current = null;
        }
        LoadRunner.Done d = pending.getAndSet(null);
        if (d != null) {
          d.failed(t);
        }
      }

      @Override
      public void onCompleted() {
        onError(Status.UNAVAILABLE.withDescription("keep-alive stream closed by the server")
            .asRuntimeException());
      }

      void cancel(String why) {
        if (requests instanceof ClientCallStreamObserver<LeaseKeepAliveRequest> call) {
          call.cancel(why, null);
        }
      }
    }

    KeepAliveStream(Connections conns, int client, long lease, ScheduledExecutorService timer,
        long timeoutNanos) {
      this.conns = conns;
      this.client = client;
      this.lease = lease;
      this.timer = timer;
      this.timeoutNanos = timeoutNanos;
    }

    void send(LoadRunner.Done done) {
      pending.set(done);
      timer.schedule(() -> {
        if (pending.compareAndSet(done, null)) {
          replace();
          done.failed(Status.DEADLINE_EXCEEDED.withDescription("keep-alive unanswered")
              .asRuntimeException());
        }
      }, timeoutNanos, TimeUnit.NANOSECONDS);
      StreamObserver<LeaseKeepAliveRequest> requests;
      synchronized (this) {
        if (current == null) {
          Call call = new Call();
          current = call;
          call.requests = conns.lease(client).leaseKeepAlive(call);
        }
        requests = current.requests;
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
      }
    }

    /** Drops the current stream (its late callbacks are ignored) and cancels it. */
    private void replace() {
      Call old;
      synchronized (this) {
        old = current;
        current = null;
      }
      if (old != null) {
        old.cancel("replaced after a timeout");
      }
    }

    void close() {
      replace();
    }
  }
}
