package io.kvstore.raft.tracker;

/**
 * The append messages in flight to one follower, identified by the last index each carried: a
 * bounded sliding window that pipelining fills and acknowledgements free.
 *
 * <p>Thread-safety: not thread-safe; owned by the Raft core's thread.
 *
 * <p>Invariants: {@code 0 <= count <= capacity}; the {@code count} entries starting at {@code
 * start} (wrapping) are increasing.
 */
public final class Inflights {
  private final long[] buffer;
  private int start;
  private int count;

  public Inflights(int capacity) {
    buffer = new long[capacity];
  }

  /** Records a message whose last entry is {@code index}; the window must not be full. */
  public void add(long index) {
    if (full()) {
      throw new IllegalStateException("cannot add into a full inflights window");
    }
    buffer[(start + count) % buffer.length] = index;
    count++;
  }

  /** Frees every message whose last index is at or below {@code to}. */
  public void freeLE(long to) {
    if (count == 0 || to < buffer[start]) {
      return;
    }
    int idx = start;
    int i = 0;
    for (; i < count; i++) {
      if (to < buffer[idx]) {
        break;
      }
      idx = (idx + 1) % buffer.length;
    }
    count -= i;
    start = idx;
    if (count == 0) {
      start = 0;
    }
  }

  public boolean full() {
    return count == buffer.length;
  }

  public int count() {
    return count;
  }

  public void reset() {
    count = 0;
    start = 0;
  }
}
