package io.kvstore.client;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake etcd member in the test's JVM: a gRPC server on 127.0.0.1 (a free port) serving the
 * given fake services and {@code grpc.health.v1.Health}, recording every call it receives with
 * its headers. The real transport, so connections can really be dropped.
 *
 * <p>Thread-safety: {@link #calls} is safe to read from any thread; start and close from the test
 * thread.
 */
final class FakeMember implements AutoCloseable {
  /** One call as received: full method name and request headers. */
  record Received(String method, Metadata headers) {
    boolean hasLeaderHeader() {
      return "true".equals(headers.get(ClientContext.HAS_LEADER));
    }
  }

  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ConcurrentLinkedQueue<Received> calls = new ConcurrentLinkedQueue<>();

  FakeMember(BindableService... services) {
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(health.getHealthService())
        .intercept(new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
              Metadata headers, ServerCallHandler<Q, R> next) {
            if (!call.getMethodDescriptor().getServiceName().startsWith("grpc.health")) {
              calls.add(new Received(call.getMethodDescriptor().getFullMethodName(), headers));
            }
            return next.startCall(call, headers);
          }
        });
    for (BindableService s : services) {
      builder.addService(s);
    }
    server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    health.setStatus("", ServingStatus.SERVING);
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The calls received so far of {@code method} (e.g. "etcdserverpb.KV/Put"). */
  List<Received> calls(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).toList();
  }

  void setServing(boolean serving) {
    health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** Drops every connection and call at once, as a member killed with -9 would. */
  void kill() {
    server.shutdownNow();
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
