package io.kvstore.bench;

import org.HdrHistogram.Histogram;

/**
 * Summary of one latency histogram, in milliseconds: the figures kv-bench reports. Immutable.
 *
 * @param count samples
 */
public record LatencyStats(long count, double min, double mean, double stddev, double p50,
    double p90, double p99, double p999, double max) {

  private static final double NANOS_PER_MS = 1e6;

  static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** The summary of a histogram of nanoseconds. */
  static LatencyStats of(Histogram h) {
    if (h == null || h.getTotalCount() == 0) {
      return EMPTY;
    }
    return new LatencyStats(h.getTotalCount(), ms(h.getMinValue()), h.getMean() / NANOS_PER_MS,
        h.getStdDeviation() / NANOS_PER_MS, ms(h.getValueAtPercentile(50)),
        ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
        ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
  }

  private static double ms(long nanos) {
    return nanos / NANOS_PER_MS;
  }
}
