package io.kvstore.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Formats a {@link Result} as kv-bench's table (like etcd's benchmark summary, with HdrHistogram
 * percentiles) or as JSON. Stateless.
 */
final class Report {
  private Report() {}

  static String table(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s: %,d requests in %.3f s, %,.1f req/s, %,d errors%n",
        r.workload(), r.requests(), r.seconds(), r.throughput(), r.errors()));
    StringBuilder settings = new StringBuilder();
    r.settings().forEach((k, v) -> settings.append(settings.length() == 0 ? "" : ", ")
        .append(k).append('=').append(v));
    sb.append("  ").append(settings).append(System.lineSeparator());
    r.counts().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %s: %,d%n", k, v)));
    sb.append(System.lineSeparator());
    sb.append(String.format(Locale.ROOT, "%-10s %10s %9s %9s %9s %9s %9s %9s %9s %9s%n",
        "op", "count", "min", "mean", "stddev", "p50", "p90", "p99", "p99.9", "max"));
    for (Map.Entry<String, LatencyStats> e : r.latency().entrySet()) {
      LatencyStats s = e.getValue();
      sb.append(String.format(Locale.ROOT,
          "%-10s %,10d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f%n", e.getKey(), s.count(),
          s.min(), s.mean(), s.stddev(), s.p50(), s.p90(), s.p99(), s.p999(), s.max()));
    }
    sb.append("(latencies in ms; headline: ").append(r.primary()).append(')')
        .append(System.lineSeparator());
    if (!r.errorCounts().isEmpty()) {
      sb.append(System.lineSeparator()).append("Error distribution:").append(System.lineSeparator());
      r.errorCounts().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  [%,d] %s%n", v, k)));
    }
    return sb.toString();
  }

  /** The result as a JSON-ready map, in a stable key order. */
  static Map<String, Object> toMap(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workload", r.workload());
    m.put("settings", r.settings());
    m.put("requests", r.requests());
    m.put("errors", r.errors());
    m.put("errorCounts", r.errorCounts());
    m.put("seconds", r.seconds());
    m.put("throughput", r.throughput());
    m.put("primary", r.primary());
    Map<String, Object> lat = new LinkedHashMap<>();
    r.latency().forEach((op, s) -> {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("count", s.count());
      o.put("min", s.min());
      o.put("mean", s.mean());
      o.put("stddev", s.stddev());
      o.put("p50", s.p50());
      o.put("p90", s.p90());
      o.put("p99", s.p99());
      o.put("p99.9", s.p999());
      o.put("max", s.max());
      lat.put(op, o);
    });
    m.put("latencyMs", lat);
    m.put("counts", r.counts());
    return m;
  }

  static String json(Result r) {
    return Json.write(toMap(r));
  }
}
