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
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
 * class stays within about a minute and a half; each run's normalised transcript is written to
 * {@code target/differential/<script>-<target>.txt}. The scripts share the two clusters and run in
 * a fixed order, KV, lease, watch, cluster and maintenance (which moves the leadership), then
 * elect and lock;
 * each names only revisions it wrote itself, so none depends on how far the others got.
 *
 * <p>Thread-safety: JUnit runs the lifecycle methods and tests on one thread; the clusters and
 * sessions are confined to it, except that {@link #stopClusters} closes the target from a second
 * thread.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
  @Order(1)
  @Timeout(40)
  void kvCommandsPrintTheSameAsEtcd() {
    assertSameOutput("kv", KvScript.steps());
  }

  @Test
  @Order(2)
  @Timeout(40)
  void leaseCommandsPrintTheSameAsEtcd() {
    assertSameOutput("lease", LeaseScript.steps());
  }

  @Test
  @Order(3)
  @Timeout(40)
  void watchCommandsPrintTheSameAsEtcd() {
    assertSameOutput("watch", WatchScript.steps());
  }

  @Test
  @Order(4)
  @Timeout(40)
  void clusterAndMaintenanceCommandsPrintTheSameAsEtcd() {
    assertSameOutput("cluster", ClusterScript.steps());
  }

  @Test
  @Order(5)
  @Timeout(40)
  void electAndLockCommandsPrintTheSameAsEtcd() {
    assertSameOutput("elect-lock", ElectLockScript.steps());
  }

  /**
   * Runs {@code steps} on A then B, one step at a time, and fails with a report of every
   * mismatch found before the script ended, reached {@value #MAX_MISMATCHES} of them or ran out of
   * time. A step marked as a known difference of the target ({@link Step#knownDifference}) is
   * written to the transcript and to stdout instead of failing, unless it agrees: then the mark is
   * stale and the script fails.
   */
  private static void assertSameOutput(String script, List<Step> steps) {
    List<Mismatch> mismatches = new ArrayList<>();
    List<String> staleMarks = new ArrayList<>();
    List<String> known = new ArrayList<>();
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
      boolean differs = Mismatch.differs(step, resultA, resultB);
      Optional<String> knownDifference = step.knownDifference()
          .filter(reason -> !b.kind().equals(a.kind()) && step.expected(resultA));
      if (knownDifference.isPresent()) {
        String line = "step " + number + ": " + step.describe() + ": " + knownDifference.get();
        if (differs) {
          known.add(line);
          transcript.append("### KNOWN DIFFERENCE (").append(knownDifference.get()).append("), ")
              .append(b.kind()).append(" printed:\n").append(resultB.stdout())
              .append(resultB.stderr()).append("exit ").append(resultB.exitCode()).append("\n");
        } else {
          staleMarks.add(line);
          transcript.append("### STALE MARK: known as a difference, but both printed the same\n");
        }
      } else if (differs) {
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
    known.forEach(k -> System.out.println(script + " script, known difference of " + b.kind()
        + ", " + k));
    if (!mismatches.isEmpty() || !stopped.isEmpty() || !staleMarks.isEmpty()) {
      fail("%s script: %d mismatch(es) between %s (A) and %s (B)%s; transcript in %s%n%n%s%s",
          script, mismatches.size(), a.kind(), b.kind(), stopped, file,
          mismatches.stream().map(Mismatch::describe).collect(Collectors.joining("\n")),
          staleMarks.stream().map(m -> "\nmarked as a known difference, but "
              + b.kind() + " now prints the same as " + a.kind() + ": remove the mark of " + m)
              .collect(Collectors.joining()));
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
