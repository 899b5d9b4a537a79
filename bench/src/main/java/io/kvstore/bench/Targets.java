package io.kvstore.bench;

import java.util.List;

/**
 * The bench issue's targets for kvstore against etcd 3.4 on the same machine, each a bound on
 * the median over rounds of the ratio kvstore / etcd of one workload's headline figure. Only here:
 * the compare report states each and whether it was met. Immutable.
 */
final class Targets {
  private Targets() {}

  /** Higher is better (throughput): met when ratio ≥ bound; else met when ratio ≤ bound. */
  record Target(String workload, String description, Compare.Metric metric, double bound) {
    boolean met(double ratio) {
      return metric == Compare.Metric.THROUGHPUT ? ratio >= bound : ratio <= bound;
    }

    String boundText() {
      return (metric == Compare.Metric.THROUGHPUT ? "≥ " : "≤ ") + bound + "× etcd";
    }
  }

  static final List<Target> ALL = List.of(
      new Target("put", "put, 256-byte values, 100 clients: throughput",
          Compare.Metric.THROUGHPUT, 2.0),
      new Target("range-l", "linearizable range, 100 clients: throughput",
          Compare.Metric.THROUGHPUT, 2.0),
      new Target("range-s", "serializable range, 100 clients: throughput",
          Compare.Metric.THROUGHPUT, 1.5),
      new Target("put-seq", "one client, sequential puts: p50 latency", Compare.Metric.P50, 1.0),
      new Target("watch", "watch, 1,000 watchers: p99 put-to-event latency", Compare.Metric.P99,
          1.0));
}
