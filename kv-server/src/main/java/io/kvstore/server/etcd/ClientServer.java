package io.kvstore.server.etcd;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The gRPC endpoint clients talk to, one server per {@code --listen-client-urls} entry, serving
 * the etcd v3 services and {@code grpc.health.v1.Health}. As etcd, it accepts messages up to
 * {@code --max-request-bytes} plus 512 KiB of gRPC overhead; the request-size check itself is
 * made on the Raft request, with etcd's error.
 *
 * <p>Calls run directly on the Netty event loops (no hand-off to an executor, which cost a
 * quarter of the write throughput under {@code etcdctl check perf}), so no service may block in
 * a handler: requests are handed to Raft and answered from its futures, and blocking work
 * (snapshots, defragmentation, hashing, forwarding to the leader) runs on the member's own
 * executor.
 *
 * <p>Thread-safety: {@link #start} and {@link #close} from one thread; the services are called
 * concurrently by gRPC.
 */
public final class ClientServer implements AutoCloseable {
  static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  private final List<Server> servers = new ArrayList<>();
  private final HealthStatusManager health = new HealthStatusManager();

  /**
   * Binds every address and starts serving; a call that asks for a leader ({@code hasleader})
   * while {@code leaderKnown} is false is refused. Throws naming the address that cannot be bound.
   */
  public ClientServer(List<InetSocketAddress> listen, int maxRequestBytes,
      BooleanSupplier leaderKnown, List<BindableService> services) {
    for (InetSocketAddress address : listen) {
      NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
          .directExecutor()
          .maxInboundMessageSize(maxRequestBytes + GRPC_OVERHEAD_BYTES)
          .intercept(new HasLeaderInterceptor(leaderKnown))
          .addService(health.getHealthService());
      services.forEach(builder::addService);
      Server server = builder.build();
      try {
        server.start();
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot listen for clients on " + address, e);
      }
      servers.add(server);
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  /** The bound port of each listener, in {@code --listen-client-urls} order. */
  public List<Integer> ports() {
    return servers.stream().map(Server::getPort).toList();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    for (Server s : servers) {
      s.shutdown();
    }
    for (Server s : servers) {
      try {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.shutdownNow();
      }
    }
  }
}
