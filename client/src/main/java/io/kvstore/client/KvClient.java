package io.kvstore.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC client for any etcd v3 endpoint set (kvstore members or etcd itself), speaking the
 * etcd protobuf messages through small facades: {@link #kv()}, {@link #lease()}, {@link
 * #watch()}, {@link #cluster()}, {@link #maintenance()}.
 *
 * <p>One channel serves all endpoints: gRPC's {@code round_robin} balancer over one subchannel
 * per endpoint, each health-checked through {@code grpc.health.v1.Health}, so calls go only to
 * reachable, serving members, and a call that fails on one member is retried on the next when
 * that is safe: reads always, writes only when they provably were not applied (see {@link Kv});
 * a write whose outcome is unknown fails with {@link OutcomeUnknownException}. Every unary call
 * has a deadline of {@code callTimeout}, all attempts included. Watches resume on another member
 * from where they stopped.
 *
 * <p>Thread-safety: safe for concurrent use; no method blocks. Futures complete, and observers
 * are called, on the client's executor.
 */
public final class KvClient implements AutoCloseable {
  private final ClientContext context;
  private final ExecutorService ownExecutor;
  private final Kv kv;
  private final Lease lease;
  private final Watch watch;
  private final Cluster cluster;
  private final Maintenance maintenance;

  private KvClient(ClientConfig config) {
    this.ownExecutor = config.executor() == null
        ? Executors.newCachedThreadPool(daemons("kvclient")) : null;
    Executor executor = callbacks(ownExecutor != null ? ownExecutor : config.executor());
    ManagedChannel channel = NettyChannelBuilder
        .forTarget(EndpointsNameResolverProvider.target(config.endpoints()))
        .usePlaintext()
        .defaultServiceConfig(ServiceConfigs.etcd())
        .maxRetryAttempts(ServiceConfigs.READ_ATTEMPTS)
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .executor(executor)
        .build();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        daemons("kvclient-timer"));
    this.context = new ClientContext(channel, config.requireLeader(), config.callTimeout(),
        executor, timer);
    UnaryCalls calls = new UnaryCalls(context);
    this.kv = new Kv(calls);
    this.lease = new Lease(context, calls);
    this.watch = new Watch(context);
    this.cluster = new Cluster(calls);
    this.maintenance = new Maintenance(context, calls);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Kv kv() {
    return kv;
  }

  public Lease lease() {
    return lease;
  }

  public Watch watch() {
    return watch;
  }

  public Cluster cluster() {
    return cluster;
  }

  public Maintenance maintenance() {
    return maintenance;
  }

  /**
   * Closes the channel: calls under way fail with {@code CANCELLED}, watches and keep-alives end
   * with an error, scheduled retries are dropped. Shuts down the client's own executor, if it
   * made one, without waiting for callbacks under way. Idempotent.
   */
  @Override
  public void close() {
    context.close();
    if (ownExecutor != null) {
      ownExecutor.shutdown();
    }
  }

  /**
   * {@code executor}, or the calling thread once it refuses work: after close, the last
   * callbacks (calls failing with {@code CANCELLED}) still run, so no future is left pending.
   */
  private static Executor callbacks(Executor executor) {
    return task -> {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException e) {
        task.run();
      }
    };
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Collects a {@link KvClient}'s settings; {@link #build} checks them.
   *
   * <p>Thread-safety: not thread-safe; meant for one thread.
   */
  public static final class Builder {
    private List<Endpoint> endpoints = List.of();
    private Duration callTimeout = ClientConfig.DEFAULT_CALL_TIMEOUT;
    private boolean requireLeader;
    private Executor executor;

    private Builder() {}

    /** The members, each {@code host:port} or {@code http://host:port}, as etcdctl takes them. */
    public Builder endpoints(List<String> endpoints) {
      this.endpoints = endpoints.stream().map(Endpoint::parse).toList();
      return this;
    }

    public Builder endpoints(String... endpoints) {
      return endpoints(Arrays.asList(endpoints));
    }

    /** The deadline of every unary call, retries included; 10 s unless set. */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
      return this;
    }

    /**
     * Whether unary calls send {@code hasleader: true} (clientv3's {@code WithRequireLeader}), so
     * a member without a leader refuses them at once and they go elsewhere; off unless set.
     * Watches always send it.
     */
    public Builder requireLeader(boolean requireLeader) {
      this.requireLeader = requireLeader;
      return this;
    }

    /**
     * Where futures complete and observers run; unless set, a cached pool of daemon threads the
     * client owns and shuts down on close. The caller keeps ownership of one set here.
     */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Checks the settings (throwing {@link IllegalArgumentException}) and connects lazily. */
    public KvClient build() {
      return new KvClient(new ClientConfig(endpoints, callTimeout, requireLeader, executor)
          .validate());
    }
  }
}
