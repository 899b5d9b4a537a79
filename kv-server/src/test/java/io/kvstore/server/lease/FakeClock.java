package io.kvstore.server.lease;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A nanosecond clock that moves only when told. Confined to the test thread. */
final class FakeClock implements LongSupplier {
  /** Starts far from zero, as {@code System.nanoTime} may. */
  private long now = -1_000_000_000_000L;

  @Override
  public long getAsLong() {
    return now;
  }

  void advance(Duration d) {
    now += d.toNanos();
  }
}
