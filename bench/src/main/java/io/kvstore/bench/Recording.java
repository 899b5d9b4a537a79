package io.kvstore.bench;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a run records: per operation kind ({@code put}, {@code range}, ...), an HdrHistogram
 * {@link Recorder} of latencies in nanoseconds (three significant digits, auto-resizing), and
 * errors counted by gRPC status code and message ({@code Unavailable: etcdserver: leader
 * changed}), as etcd's benchmark groups them. Writers are wait-free; thread-safe.
 */
final class Recording {
  private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder completed = new LongAdder();
  private volatile boolean enabled = true;

  /** Stops recording (a warm-up that ends); later calls are ignored. */
  void disable() {
    enabled = false;
  }

  void ok(String op, long nanos) {
    if (!enabled) {
      return;
    }
    recorders.computeIfAbsent(op, k -> new Recorder(3)).recordValue(Math.max(1, nanos));
    completed.increment();
  }

  /** Records a latency without counting a completed request (a second view of one). */
  void sample(String op, long nanos) {
    if (enabled) {
      recorders.computeIfAbsent(op, k -> new Recorder(3)).recordValue(Math.max(1, nanos));
    }
  }

  void error(Throwable t) {
    if (!enabled) {
      return;
    }
    errors.computeIfAbsent(describe(t), k -> new LongAdder()).increment();
    completed.increment();
  }

  void error(String what, long count) {
    if (enabled && count > 0) {
      errors.computeIfAbsent(what, k -> new LongAdder()).add(count);
    }
  }

  /** Requests finished so far, failed ones included: for the progress bar. */
  long completed() {
    return completed.sum();
  }

  /** The histograms recorded since the last call, by operation, in name order. */
  Map<String, Histogram> takeHistograms() {
    Map<String, Histogram> out = new TreeMap<>();
    recorders.forEach((op, r) -> out.put(op, r.getIntervalHistogram()));
    return out;
  }

  /** Error counts by description, most frequent first. */
  Map<String, Long> errorCounts() {
    Map<String, Long> out = new LinkedHashMap<>();
    errors.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
        .forEach(e -> out.put(e.getKey(), e.getValue().sum()));
    return out;
  }

  /** {@code Code: description} for gRPC failures, the exception's class and message otherwise. */
  static String describe(Throwable t) {
    Status s = t instanceof StatusRuntimeException sre ? sre.getStatus() : Status.fromThrowable(t);
    if (s.getCode() != Status.Code.UNKNOWN || t instanceof StatusRuntimeException) {
      StringBuilder pretty = new StringBuilder();
      for (String part : s.getCode().name().split("_")) {
        pretty.append(part.charAt(0)).append(part.substring(1).toLowerCase());
      }
      return s.getDescription() == null ? pretty.toString() : pretty + ": " + s.getDescription();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
