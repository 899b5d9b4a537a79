package io.kvstore.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar redrawn on stderr five times a second while a run goes on: done
 * requests against the total, or elapsed time against the duration, and the current rate. Shown
 * only on a terminal ({@code --progress auto}) unless forced. Thread-safe; close to erase it.
 */
final class ProgressBar implements AutoCloseable {
  private static final int WIDTH = 40;

  private final PrintStream out;
  private final ScheduledExecutorService timer;
  private final long startNanos = System.nanoTime();

  private ProgressBar(PrintStream out, String label, LongSupplier done, long total,
      long durationNanos) {
    this.out = out;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kv-bench-progress");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(() -> draw(label, done.getAsLong(), total, durationNanos), 200, 200,
        TimeUnit.MILLISECONDS);
  }

  /** A bar, or null when {@code mode} says none (auto: none unless on a terminal). */
  static ProgressBar start(String mode, String label, LongSupplier done, long total,
      long durationNanos) {
    boolean show = switch (mode) {
      case "always" -> true;
      case "never" -> false;
      default -> System.console() != null && !"dumb".equals(System.getenv("TERM"));
    };
    return show ? new ProgressBar(System.err, label, done, total, durationNanos) : null;
  }

  static String render(String label, long done, long total, long elapsedNanos,
      long durationNanos) {
    double fraction = durationNanos > 0 ? (double) elapsedNanos / durationNanos
        : total > 0 ? (double) done / total : 0;
    fraction = Math.max(0, Math.min(1, fraction));
    int filled = (int) Math.round(fraction * WIDTH);
    double secs = elapsedNanos / 1e9;
    return String.format(Locale.ROOT, "%s [%s%s] %3.0f%% %,d%s %,.0f req/s", label,
        "#".repeat(filled), ".".repeat(WIDTH - filled), fraction * 100, done,
        total > 0 ? "/" + String.format(Locale.ROOT, "%,d", total) : "",
        secs > 0 ? done / secs : 0.0);
  }

  private void draw(String label, long done, long total, long durationNanos) {
    out.print("\r" + render(label, done, total, System.nanoTime() - startNanos, durationNanos));
    out.flush();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.print("\r" + " ".repeat(WIDTH + 60) + "\r");
    out.flush();
  }
}
