package io.kvstore.server.apply;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates request ids unique across the cluster and across restarts, as etcd's {@code idutil}:
 * the low 16 bits of the member id, then the start time in milliseconds (40 bits), then a
 * counter (8 bits) that carries into the time part. Starting from the current time means a
 * restarted member does not reuse ids of requests still in the log.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class RequestIds {
  private static final int TS_BITS = 40;
  private static final int COUNT_BITS = 8;
  private static final long SUFFIX_MASK = (1L << (TS_BITS + COUNT_BITS)) - 1;

  private final long prefix;
  private final AtomicLong suffix;

  public RequestIds(long memberId, long nowMillis) {
    this.prefix = (memberId & 0xFFFF) << (TS_BITS + COUNT_BITS);
    this.suffix = new AtomicLong((nowMillis & ((1L << TS_BITS) - 1)) << COUNT_BITS);
  }

  public long next() {
    return prefix | (suffix.incrementAndGet() & SUFFIX_MASK);
  }
}
