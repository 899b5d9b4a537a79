package io.kvstore.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter for the retries gRPC's retry policy cannot make (a write
 * that provably did not apply, a watch or keep-alive to reopen): each delay is random in [0, d],
 * d doubling from {@value #INITIAL_MILLIS} ms to {@value #MAX_MILLIS} ms; {@link #reset} after a
 * success.
 *
 * <p>Thread-safety: not thread-safe; each retrying operation owns one and uses it under its own
 * lock or from one thread at a time.
 */
final class Backoff {
  static final long INITIAL_MILLIS = 50;
  static final long MAX_MILLIS = 1_000;

  /** The bound of the next delay; INITIAL_MILLIS ≤ ceiling ≤ MAX_MILLIS. */
  private long ceilingMillis = INITIAL_MILLIS;

  /** The next delay in milliseconds, and doubles the bound of the one after it. */
  long nextMillis() {
    long delay = ThreadLocalRandom.current().nextLong(ceilingMillis + 1);
    ceilingMillis = Math.min(MAX_MILLIS, ceilingMillis * 2);
    return delay;
  }

  void reset() {
    ceilingMillis = INITIAL_MILLIS;
  }
}
