package io.kvstore.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one run of one workload. Immutable, except that the histograms are shared
 * (never modify them).
 *
 * @param workload {@code put}, {@code range}, ...
 * @param settings what shaped the load (endpoints, clients, ...), in a stable order
 * @param requests requests that succeeded (for watch: the puts; {@code all} and {@code event}
 *     samples are other views and not counted)
 * @param errors requests that failed (for watch also events never delivered)
 * @param errorCounts errors by gRPC code and message, most frequent first
 * @param seconds from the first request to the last completion
 * @param throughput {@code requests / seconds}
 * @param primary the operation whose latency is the headline ({@code put}, {@code event}, ...)
 * @param latency summary per operation, in name order
 * @param counts other counts (watch: events received and expected), in a stable order
 * @param histograms the raw histograms per operation, nanoseconds (for plots)
 */
public record Result(String workload, Map<String, Object> settings, long requests, long errors,
    Map<String, Long> errorCounts, double seconds, double throughput, String primary,
    Map<String, LatencyStats> latency, Map<String, Long> counts,
    Map<String, Histogram> histograms) {

  public Result {
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    errorCounts = Collections.unmodifiableMap(new LinkedHashMap<>(errorCounts));
    latency = Collections.unmodifiableMap(new LinkedHashMap<>(latency));
    counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    histograms = Collections.unmodifiableMap(new LinkedHashMap<>(histograms));
  }

  /** The headline latency summary (empty when nothing succeeded). */
  public LatencyStats primaryLatency() {
    return latency.getOrDefault(primary, LatencyStats.EMPTY);
  }

  /** Builds a result from a recording's histograms and errors. */
  static Result of(String workload, Map<String, Object> settings, Recording rec, double seconds,
      String primary, Map<String, Long> counts, long requestsOverride) {
    Map<String, Histogram> hs = rec.takeHistograms();
    Map<String, LatencyStats> lat = new LinkedHashMap<>();
    long ok = 0;
    for (Map.Entry<String, Histogram> e : hs.entrySet()) {
      lat.put(e.getKey(), LatencyStats.of(e.getValue()));
      if (!e.getKey().equals("event") && !e.getKey().equals("all")) {
        ok += e.getValue().getTotalCount();
      }
    }
    if (requestsOverride >= 0) {
      ok = requestsOverride;
    }
    Map<String, Long> errs = rec.errorCounts();
    long errors = errs.values().stream().mapToLong(Long::longValue).sum();
    double tput = seconds > 0 ? ok / seconds : 0;
    return new Result(workload, settings, ok, errors, errs, seconds, tput, primary, lat, counts,
        hs);
  }
}
