package io.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** Histogram summaries, the table, the JSON and error grouping, on recordings made by hand. */
class ReportTest {
  private static Result sample() {
    Recording rec = new Recording();
    for (int i = 1; i <= 1000; i++) {
      rec.ok("put", i * 1_000_000L); // 1..1000 ms
    }
    rec.error(Status.UNAVAILABLE.withDescription("etcdserver: leader changed").asRuntimeException());
    rec.error(Status.UNAVAILABLE.withDescription("etcdserver: leader changed").asRuntimeException());
    rec.error(Status.DEADLINE_EXCEEDED.asRuntimeException());
    Map<String, Object> settings = new java.util.LinkedHashMap<>();
    settings.put("clients", 10);
    settings.put("endpoints", "a:1,b:2");
    return Result.of("put", settings, rec, 2.0, "put", Map.of(), -1);
  }

  @Test
  void percentilesComeFromTheHistogramInMilliseconds() {
    Result r = sample();

    LatencyStats s = r.primaryLatency();
    assertThat(s.count()).isEqualTo(1000);
    assertThat(s.min()).isCloseTo(1.0, within(0.01));
    assertThat(s.p50()).isCloseTo(500.0, within(1.0));
    assertThat(s.p90()).isCloseTo(900.0, within(1.0));
    assertThat(s.p99()).isCloseTo(990.0, within(1.0));
    assertThat(s.p999()).isCloseTo(999.0, within(1.0));
    assertThat(s.max()).isCloseTo(1000.0, within(1.0));
    assertThat(s.mean()).isCloseTo(500.5, within(0.5));
    assertThat(r.requests()).isEqualTo(1000);
    assertThat(r.errors()).isEqualTo(3);
    assertThat(r.throughput()).isEqualTo(500.0);
  }

  @Test
  void errorsAreGroupedByCodeAndMessageMostFrequentFirst() {
    assertThat(sample().errorCounts()).containsExactly(
        Map.entry("Unavailable: etcdserver: leader changed", 2L),
        Map.entry("DeadlineExceeded", 1L));
    assertThat(Recording.describe(new IllegalStateException("boom")))
        .isEqualTo("IllegalStateException: boom");
  }

  @Test
  void emptyHistogramGivesZeros() {
    assertThat(LatencyStats.of(new Histogram(3))).isEqualTo(LatencyStats.EMPTY);
  }

  @Test
  void tableShowsTheSummaryPercentilesAndErrors() {
    String table = Report.table(sample());

    assertThat(table).startsWith("put: 1,000 requests in 2.000 s, 500.0 req/s, 3 errors");
    assertThat(table).contains("clients=10, endpoints=a:1,b:2");
    assertThat(table).containsPattern("op\\s+count\\s+min\\s+mean\\s+stddev\\s+p50\\s+p90\\s+p99\\s+p99\\.9\\s+max");
    assertThat(table).containsPattern("put\\s+1,000\\s+1\\.000\\s+500\\.\\d+");
    assertThat(table).contains("Error distribution:", "[2] Unavailable: etcdserver: leader changed",
        "[1] DeadlineExceeded");
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonHasEveryFigureAndParses() {
    Map<String, Object> json = MiniJson.object(Report.json(sample()));

    assertThat(json).containsKeys("workload", "settings", "requests", "errors", "errorCounts",
        "seconds", "throughput", "primary", "latencyMs", "counts");
    assertThat(json.get("workload")).isEqualTo("put");
    assertThat(json.get("requests")).isEqualTo(1000.0);
    assertThat(json.get("errors")).isEqualTo(3.0);
    assertThat((Map<String, Object>) json.get("errorCounts"))
        .containsEntry("Unavailable: etcdserver: leader changed", 2.0);
    Map<String, Object> put = (Map<String, Object>) ((Map<String, Object>) json.get("latencyMs"))
        .get("put");
    assertThat(put.keySet()).containsExactly("count", "min", "mean", "stddev", "p50", "p90", "p99",
        "p99.9", "max");
    assertThat((Double) put.get("p99")).isCloseTo(990.0, within(1.0));
  }

  @Test
  void jsonEscapesAndFormatsNumbers() {
    String out = Json.write(Map.of("s", "a\"b\\c\nd\u0001"));
    assertThat(out).isEqualTo("{\n  \"s\": \"a\\\"b\\\\c\\nd\\u0001\"\n}\n");
    assertThat(Json.write(List.of(1.5, 2.0, Double.NaN, 3L, true))).isEqualTo("[1.5, 2.0, null, 3, true]\n");
    assertThat(MiniJson.parse(Json.write(Map.of("x", 0.123456789)))).isEqualTo(Map.of("x", 0.123457));
  }

  @Test
  void mixedRecordsAllWithoutCountingTwice() {
    Recording rec = new Recording();
    rec.ok("put", 1_000_000);
    rec.sample("all", 1_000_000);
    rec.ok("range", 2_000_000);
    rec.sample("all", 2_000_000);

    Result r = Result.of("mixed", Map.of(), rec, 1.0, "all", Map.of(), -1);
    assertThat(r.requests()).isEqualTo(2);
    assertThat(r.latency().keySet()).containsExactly("all", "put", "range");
    assertThat(r.primaryLatency().count()).isEqualTo(2);
  }

  @Test
  void progressBarRendersFractionCountAndRate() {
    String line = ProgressBar.render("put", 500, 1000, 2_000_000_000L, 0);
    assertThat(line).startsWith("put [" + "#".repeat(20) + ".".repeat(20) + "]  50% 500/1,000 250 req/s");
    assertThat(ProgressBar.render("watch", 10, 0, 1_000_000_000L, 4_000_000_000L))
        .contains(" 25% 10 ");
  }

  @Test
  void keysHaveTheExactSizeAndStayUnderThePrefix() {
    Keys keys = new Keys("k", 8, 1000, true);
    assertThat(keys.forRequest(0).size()).isEqualTo(8);
    assertThat(keys.forRequest(1001)).isEqualTo(keys.number(1));
    assertThat(keys.number(5).startsWith(keys.rangeStart())).isTrue();
    assertThat(keys.rangeEnd().toStringUtf8()).isEqualTo("l");
    assertThat(keys.number(1).toByteArray()).endsWith(new byte[] {0, 0, 1});
  }
}
