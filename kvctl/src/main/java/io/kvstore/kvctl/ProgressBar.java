package io.kvstore.kvctl;

import java.io.PrintStream;

/**
 * A one-line progress bar redrawn with {@code \r} on a terminal's stderr; draws nothing when
 * stderr is not a terminal, so piped and captured output stays clean. Not thread-safe.
 */
final class ProgressBar {
  private static final int WIDTH = 40;
  private final PrintStream err;
  private final boolean enabled;
  private final String label;
  private long total;
  private long done;
  private long lastDrawNanos;

  ProgressBar(PrintStream err, boolean enabled, String label, long total) {
    this.err = err;
    this.enabled = enabled;
    this.label = label;
    this.total = total;
  }

  void total(long total) {
    this.total = total;
  }

  void advance(long bytes) {
    done += bytes;
    long now = System.nanoTime();
    if (now - lastDrawNanos > 100_000_000L) {
      lastDrawNanos = now;
      draw();
    }
  }

  void finish() {
    if (enabled) {
      draw();
      err.print("\n");
      err.flush();
    }
  }

  private void draw() {
    if (!enabled) {
      return;
    }
    int pct = total <= 0 ? 0 : (int) Math.min(100, done * 100 / total);
    int filled = pct * WIDTH / 100;
    err.print("\r" + label + " [" + "=".repeat(filled) + (filled < WIDTH ? ">" : "")
        + " ".repeat(Math.max(0, WIDTH - filled - 1)) + "] " + pct + "% "
        + GoText.humanBytes(done) + (total > 0 ? " / " + GoText.humanBytes(total) : ""));
    err.flush();
  }
}
