package io.kvstore.chaos.workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Threads of a workload, each running a loop until the run stops.
 *
 * <p>Thread-safety: start and await from one thread.
 */
final class Workers {
  private final List<Thread> threads = new ArrayList<>();

  void start(String name, int count, java.util.function.IntConsumer loop) {
    for (int i = 0; i < count; i++) {
      int n = i;
      Thread t = new Thread(() -> loop.accept(n), name + "-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  void await(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      if (t.isAlive()) {
        t.interrupt();
        t.join(2000);
      }
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
