package io.kvstore.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The closed-loop load engine: {@code clients} slots, each with exactly one request in flight,
 * each issuing its next request from the completion callback of the previous one (async, no
 * thread per client), until {@code total} requests have been issued or the duration has passed.
 * With a rate, request {@code n} is not sent before {@code start + n / rate} (a timer holds it),
 * so the rate is kept across all clients; latency is timed from the actual send, as etcd's
 * benchmark times it after its rate limiter.
 *
 * <p>Thread-safety: one run at a time per instance; the callbacks run on gRPC's event loops.
 */
final class LoadRunner {
  /** One kind of request: sends request {@code seq} for client {@code client}, reports to done. */
  interface Request {
    void send(int client, long seq, Done done);
  }

  /** Completion of one request: exactly one call per request. */
  interface Done {
    /** The request succeeded; its latency is recorded under {@code op}. */
    void ok(String op);

    /** The request failed. */
    void failed(Throwable t);
  }

  /** What bounds a run: a request count or a duration (the other is 0). */
  record Budget(long total, long durationNanos) {
    static Budget of(LoadOptions o) {
      return o.durationOrNull() != null ? new Budget(0, o.durationOrNull().toNanos())
          : new Budget(o.totalOrDefault(), 0);
    }

    static Budget requests(long n) {
      return new Budget(n, 0);
    }

    static Budget nanos(long n) {
      return new Budget(0, n);
    }
  }

  private final int clients;
  private final double rate;
  private final boolean recordAll;

  /**
   * @param recordAll also record every success under {@code all} (for mixed workloads)
   */
  LoadRunner(int clients, double rate, boolean recordAll) {
    this.clients = clients;
    this.rate = rate;
    this.recordAll = recordAll;
  }

  /**
   * Runs {@code request} within {@code budget}, recording into {@code rec}; returns the nanoseconds
   * from the first send to the last completion. Returns once every request has completed; each
   * has a deadline of its own, so this is bounded.
   */
  long run(Request request, Budget budget, Recording rec, String progressMode, String label)
      throws InterruptedException {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kv-bench-timer");
      t.setDaemon(true);
      return t;
    });
    Run run = new Run(request, budget, rec, timer);
    ProgressBar bar = ProgressBar.start(progressMode, label, rec::completed, budget.total(),
        budget.durationNanos());
    try {
      for (int c = 0; c < clients; c++) {
        int client = c;
        timer.execute(() -> run.slots[client].next());
      }
      run.finished.await();
      return run.lastCompletion.get() - run.start;
    } finally {
      if (bar != null) {
        bar.close();
      }
      timer.shutdownNow();
    }
  }

  private final class Run {
    final Request request;
    final long total;
    final long start = System.nanoTime();
    final long deadline;
    final Recording rec;
    final ScheduledExecutorService timer;
    final AtomicLong issued = new AtomicLong();
    final AtomicLong lastCompletion = new AtomicLong(start);
    final CountDownLatch finished = new CountDownLatch(clients);
    final Slot[] slots = new Slot[clients];

    Run(Request request, Budget budget, Recording rec, ScheduledExecutorService timer) {
      this.request = request;
      this.total = budget.total();
      this.deadline = budget.durationNanos() > 0 ? start + budget.durationNanos() : Long.MAX_VALUE;
      this.rec = rec;
      this.timer = timer;
      for (int i = 0; i < clients; i++) {
        slots[i] = new Slot(this, i);
      }
    }

    void completed(long now) {
      lastCompletion.accumulateAndGet(now, Math::max);
    }
  }

  private final class Slot implements Done {
    private final Run run;
    private final int client;
    private long sentAt;

    Slot(Run run, int client) {
      this.run = run;
      this.client = client;
    }

    void next() {
      long now = System.nanoTime();
      if (now - run.deadline >= 0) {
        run.finished.countDown();
        return;
      }
      long seq = run.issued.getAndIncrement();
      if (run.total > 0 && seq >= run.total) {
        run.finished.countDown();
        return;
      }
      if (rate > 0) {
        long due = run.start + (long) (seq * 1e9 / rate);
        if (due - run.deadline >= 0) {
          run.finished.countDown();
          return;
        }
        if (due - now > 0) {
          run.timer.schedule(() -> send(seq), due - now, TimeUnit.NANOSECONDS);
          return;
        }
      }
      send(seq);
    }

    private void send(long seq) {
      sentAt = System.nanoTime();
      try {
        run.request.send(client, seq, this);
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    @Override
    public void ok(String op) {
      long now = System.nanoTime();
      long latency = now - sentAt;
      run.rec.ok(op, latency);
      if (recordAll) {
        run.rec.sample("all", latency);
      }
      run.completed(now);
      next();
    }

    @Override
    public void failed(Throwable t) {
      run.rec.error(t);
      run.completed(System.nanoTime());
      // Off the failing thread: a failure may be reported inside send, and an endpoint that
      // refuses every call must not grow the stack.
      run.timer.execute(this::next);
    }
  }
}
