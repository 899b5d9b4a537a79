package io.kvstore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The CI profile of the benchmarks: each runs in this JVM for one 200 ms warmup and one 200 ms
 * measurement with a single parameter value, to prove that it still runs and scores. The
 * numbers mean nothing; run {@code bin/jmh} for real ones.
 */
class BenchmarkSmokeTest {
  private static final String IGNORE_LOCK = "jmh.ignoreLock";

  /** A real run holding JMH's lock file must not fail the build, nor wait for it. */
  @BeforeAll
  static void ignoreJmhLock() {
    System.setProperty(IGNORE_LOCK, "true");
  }

  @AfterAll
  static void restoreJmhLock() {
    System.clearProperty(IGNORE_LOCK);
  }

  @Test
  void rawNodeCommitRunsAndCommits() throws RunnerException {
    RunResult result = runOnce(RawNodeCommitBenchmark.class, "batch", "64");

    assertThat(result.getPrimaryResult().getScore()).isPositive();
    assertThat(result.getSecondaryResults().get("entries").getScore()).isPositive();
  }

  @Test
  void logStoreAppendRunsAndSyncs() throws RunnerException {
    RunResult result = runOnce(LogStoreAppendBenchmark.class, "batch", "16");

    assertThat(result.getPrimaryResult().getScore()).isPositive();
    assertThat(result.getSecondaryResults().get("entries").getScore()).isPositive();
    assertThat(result.getSecondaryResults().get("fsyncs").getScore()).isPositive();
  }

  @Test
  void mvccStorePutAndRangeRun() throws RunnerException {
    for (RunResult result : runAll(MvccStoreBenchmark.class, "keys", "10000", 3)) {
      assertThat(result.getPrimaryResult().getScore()).isPositive();
    }
  }

  @Test
  void watchFanoutRunsAndDelivers() throws RunnerException {
    RunResult result = runOnce(WatchFanoutBenchmark.class, "watchers", "1000");

    assertThat(result.getPrimaryResult().getScore()).isPositive();
    // every commit reaches every watcher
    assertThat(result.getSecondaryResults().get("deliveries").getScore())
        .isGreaterThan(result.getPrimaryResult().getScore() * 900);
  }

  @Test
  void protoCodecRuns() throws RunnerException {
    for (RunResult result : runAll(ProtoCodecBenchmark.class, "kvs", "100", 4)) {
      assertThat(result.getPrimaryResult().getScore()).isPositive();
    }
  }

  private static RunResult runOnce(Class<?> benchmark, String param, String value)
      throws RunnerException {
    Options options = new OptionsBuilder()
        .include("^" + Pattern.quote(benchmark.getName() + "."))
        .param(param, value)
        .forks(0)
        .threads(1)
        .warmupIterations(1)
        .warmupTime(TimeValue.milliseconds(200))
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(200))
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results).hasSize(1);
    return results.iterator().next();
  }

  /** Every benchmark method of {@code benchmark}, run as {@link #runOnce} runs one. */
  private static Collection<RunResult> runAll(Class<?> benchmark, String param, String value,
      int methods) throws RunnerException {
    Options options = new OptionsBuilder()
        .include("^" + Pattern.quote(benchmark.getName() + "."))
        .param(param, value)
        .forks(0)
        .threads(1)
        .warmupIterations(1)
        .warmupTime(TimeValue.milliseconds(200))
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(200))
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results).hasSize(methods);
    return results;
  }
}
