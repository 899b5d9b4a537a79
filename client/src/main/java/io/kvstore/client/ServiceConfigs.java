package io.kvstore.client;

import java.util.List;
import java.util.Map;

/**
 * The gRPC service config every {@link KvClient} channel starts with: {@code round_robin} over the
 * endpoints with client-side health checking ({@code grpc.health.v1.Health}, the whole-server
 * status {@code ""}; a server without the service counts as healthy), and gRPC's retry policy for
 * the calls that are safe to repeat: reads, and a lease keep-alive (a refresh, idempotent). A
 * retry picks again, so with {@code round_robin} it goes to the next healthy member. Nothing else
 * is retried by gRPC beyond its transparent retries of streams no server has seen. Constants only.
 */
final class ServiceConfigs {
  /** Attempts of a read, the first included; gRPC caps it at the channel's maxRetryAttempts. */
  static final int READ_ATTEMPTS = 10;

  /** Methods whose every attempt may be repeated without changing the cluster's state. */
  static final List<Map<String, String>> SAFE_TO_RETRY = List.of(
      method("KV", "Range"),
      method("Lease", "LeaseTimeToLive"),
      method("Lease", "LeaseLeases"),
      method("Lease", "LeaseKeepAlive"),
      method("Cluster", "MemberList"),
      method("Maintenance", "Status"),
      method("Maintenance", "Hash"),
      method("Maintenance", "HashKV"));

  private ServiceConfigs() {}

  /** The config, in the JSON-like form {@code defaultServiceConfig} takes (numbers as Double). */
  static Map<String, Object> etcd() {
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", (double) READ_ATTEMPTS,
        "initialBackoff", "0.05s",
        "maxBackoff", "1s",
        "backoffMultiplier", 2.0,
        "retryableStatusCodes", List.of("UNAVAILABLE"));
    return Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "healthCheckConfig", Map.of("serviceName", ""),
        "methodConfig", List.of(Map.of("name", SAFE_TO_RETRY, "retryPolicy", retryPolicy)));
  }

  private static Map<String, String> method(String service, String method) {
    return Map.of("service", "etcdserverpb." + service, "method", method);
  }
}
