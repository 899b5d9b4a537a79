package io.kvstore.chaos.workload;

import io.kvstore.chaos.checker.CheckResult;
import io.kvstore.chaos.history.Operation;
import java.time.Duration;
import java.util.List;

/**
 * A load run against the cluster while the nemesis acts, and the checks of what it recorded.
 *
 * <p>Thread-safety: {@link #start}, {@link #awaitStopped}, {@link #finish} and {@link #check} are
 * called in that order from the run's thread; the workload's own threads record concurrently.
 */
public interface Workload {
  String name();

  /** Starts the workload's threads; they run until {@link RunContext#stopping()}. */
  void start(RunContext ctx);

  /** Waits for the threads to end (each bounded by the client's call timeout). */
  void awaitStopped(Duration timeout) throws InterruptedException;

  /** After the cluster is healed: final reads and waits, recorded in the history too. */
  void finish(RunContext ctx) throws Exception;

  /** Checks this workload's operations (the history's, filtered to this workload's keys). */
  List<CheckResult> check(List<Operation> ops, RunContext ctx, Duration checkTimeout);

  /** Whether {@code op} belongs to this workload. */
  boolean owns(Operation op);
}
