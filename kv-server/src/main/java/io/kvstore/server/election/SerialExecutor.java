package io.kvstore.server.election;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order they were submitted, on a shared executor: the state of
 * one recipe call (a campaign's wait, an observer's stream) is confined to its serial executor,
 * so watch batches, read results and cancellation reach it in order and never concurrently.
 * Submitting never blocks. Once the shared executor refuses work (the member is stopping), tasks
 * are dropped.
 *
 * <p>Thread-safety: {@link #execute} is safe from any thread; each task happens-before the next.
 */
final class SerialExecutor implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor shared;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** True while a drain is scheduled or running on {@link #shared}; at most one is. */
  private final AtomicBoolean draining = new AtomicBoolean();

  SerialExecutor(Executor shared) {
    this.shared = shared;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    schedule();
  }

  private void schedule() {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    try {
      shared.execute(this::drain);
    } catch (RejectedExecutionException stopping) {
      tasks.clear();
      draining.set(false);
    }
  }

  private void drain() {
    try {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.warn("election or lock task failed", e);
        }
      }
    } finally {
      draining.set(false);
    }
    if (!tasks.isEmpty()) {
      schedule();
    }
  }
}
