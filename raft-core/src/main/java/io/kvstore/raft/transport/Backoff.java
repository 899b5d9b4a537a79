package io.kvstore.raft.transport;

import java.util.concurrent.TimeUnit;

/**
 * Not thread-safe: confined to one peer's event loop. Exponential delays between reconnect
 * attempts: 50 ms doubling up to 1 s, back to 50 ms after a successful handshake.
 */
final class Backoff {

  static final long INITIAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The delay before the next attempt; INITIAL_NANOS ≤ next ≤ MAX_NANOS. */
  private long next = INITIAL_NANOS;

  long nextDelayNanos() {
    long delay = next;
    next = Math.min(MAX_NANOS, next * 2);
    return delay;
  }

  void reset() {
    next = INITIAL_NANOS;
  }
}
