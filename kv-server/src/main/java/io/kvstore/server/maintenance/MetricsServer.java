package io.kvstore.server.maintenance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The plain-HTTP endpoints etcd serves on {@code --listen-metrics-urls}: {@code /metrics} (the
 * Prometheus text format), {@code /health} (etcd's {@code {"health":"true"}}, or {@code "false"}
 * with status 503 while no leader is known) and {@code /version}.
 *
 * <p>Thread-safety: constructed and closed by one thread; requests are served on a small pool.
 */
public final class MetricsServer implements AutoCloseable {
  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "kv-server-metrics");
    t.setDaemon(true);
    return t;
  });

  /** Binds every address and starts serving; throws naming the address that cannot be bound. */
  public MetricsServer(List<InetSocketAddress> listen, PrometheusMeterRegistry registry,
      BooleanSupplier healthy) {
    for (InetSocketAddress address : listen) {
      HttpServer server;
      try {
        server = HttpServer.create(address, 0);
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot listen for metrics on " + address, e);
      }
      server.createContext("/metrics", ex -> reply(ex, 200,
          "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
      server.createContext("/health", ex -> {
        boolean ok = healthy.getAsBoolean();
        reply(ex, ok ? 200 : 503, "application/json", "{\"health\":\"" + ok + "\"}");
      });
      server.createContext("/version", ex -> reply(ex, 200, "application/json",
          "{\"etcdserver\":\"" + EtcdVersion.SERVER + "\",\"etcdcluster\":\""
              + EtcdVersion.CLUSTER + "\"}"));
      server.setExecutor(executor);
      server.start();
      servers.add(server);
    }
  }

  /** The bound port of each listener, in {@code --listen-metrics-urls} order. */
  public List<Integer> ports() {
    return servers.stream().map(s -> s.getAddress().getPort()).toList();
  }

  private static void reply(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
    executor.shutdownNow();
  }
}
