package io.kvstore.server.differential;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential suite: the real etcdctl 3.4 runs the same script against a fresh three-member
 * real etcd cluster (A, the reference) and a fresh three-member target cluster (B), and every
 * step must leave the same normalised stdout, stderr and exit code on both. The target is chosen
 * with {@code -Ddifferential.target=etcd|kvstore} (see {@link Target}): {@code etcd} proves the
 * harness, {@code kvstore} starts kv-server processes through the process test helpers. A script
 * stops at its {@value #MAX_MISMATCHES}th mismatch or once it has run for {@link #SCRIPT_BUDGET}
 * (a target that does not answer costs etcdctl's dial and command timeouts per step), so the
 * class stays within a minute; each run's normalised transcript is written to {@code
 * target/differential/<script>-<target>.txt}.
 *
 * <p>Thread-safety: JUnit runs the lifecycle methods and tests on one thread; the clusters and
 * sessions are confined to it, except that {@link #stopClusters} closes the target from a second
 * thread.
 */
class EtcdctlDifferentialTest {
  private static final int MAX_MISMATCHES = 5;
  private static final Duration SCRIPT_BUDGET = Duration.ofSeconds(25);

  @TempDir static Path tmp;
  private static TestCluster reference;
  private static TestCluster target;
  private static EtcdctlSession a;
  private static EtcdctlSession b;

  @BeforeAll
  @Timeout(50)
  static void startClusters() {
    EtcdctlRunner.requireEtcdctl34(tmp);
    Target chosen = Target.chosen();
    reference = ReferenceEtcd.start(tmp.resolve("a-etcd"));
    target = chosen.start(tmp.resolve("b-" + chosen.name().toLowerCase(Locale.ROOT)));
    a = new EtcdctlSession(reference, tmp.resolve("a-etcdctl"));
    b = new EtcdctlSession(target, tmp.resolve("b-etcdctl"));
  }

  /**
   * Stops both clusters at the same time: an etcd member takes several seconds to stop cleanly
   * (it tries to hand its leadership over first).
   */
  @AfterAll
  @Timeout(40)
  static void stopClusters() throws InterruptedException {
    Thread stopTarget = new Thread(() -> {
      if (target != null) {
        target.close();
      }
    }, "stop-target-cluster");
    stopTarget.start();
    try {
      if (reference != null) {
        reference.close();
      }
    } finally {
      stopTarget.join();
    }
  }

  @Test
  @Timeout(40)
  void kvCommandsPrintTheSameAsEtcd() {
    assertSameOutput("kv", KvScript.steps());
  }

  /**
   * Runs {@code steps} on A then B, one step at a time, and fails with a report of every
   * mismatch found before the script ended, reached {@value #MAX_MISMATCHES} of them or ran out of
   * time.
   */
  private static void assertSameOutput(String script, List<Step> steps) {
    List<Mismatch> mismatches = new ArrayList<>();
    StringBuilder transcript = new StringBuilder();
    long deadline = System.nanoTime() + SCRIPT_BUDGET.toNanos();
    String stopped = "";
    int number = 0;
    for (Step step : steps) {
      if (System.nanoTime() - deadline > 0) {
        stopped = ", stopped before step " + (number + 1) + " of " + steps.size() + " after "
            + SCRIPT_BUDGET.toSeconds() + " s";
        break;
      }
      number++;
      EtcdctlResult resultA = a.run(step);
      EtcdctlResult resultB = b.run(step);
      transcript.append("### step ").append(number).append(": ").append(step.describe())
          .append("\n").append(resultA.stdout()).append(resultA.stderr())
          .append("exit ").append(resultA.exitCode()).append("\n");
      if (Mismatch.differs(step, resultA, resultB)) {
        transcript.append("### MISMATCH, ").append(b.kind()).append(" printed:\n")
            .append(resultB.stdout()).append(resultB.stderr())
            .append("exit ").append(resultB.exitCode()).append("\n");
        mismatches.add(new Mismatch(number, step, a.kind(), resultA, b.kind(), resultB));
        if (mismatches.size() == MAX_MISMATCHES) {
          stopped = ", stopped at step " + number + " of " + steps.size();
          break;
        }
      }
    }
    Path file = writeTranscript(script, transcript);
    if (!mismatches.isEmpty() || !stopped.isEmpty()) {
      fail("%s script: %d mismatch(es) between %s (A) and %s (B)%s; transcript in %s%n%n%s",
          script, mismatches.size(), a.kind(), b.kind(), stopped, file,
          mismatches.stream().map(Mismatch::describe).collect(Collectors.joining("\n")));
    }
  }

  private static Path writeTranscript(String script, CharSequence transcript) {
    Path file = Path.of("target", "differential", script + "-" + b.kind() + ".txt")
        .toAbsolutePath();
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, transcript, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
