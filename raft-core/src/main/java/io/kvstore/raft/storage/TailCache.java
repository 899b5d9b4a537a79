package io.kvstore.raft.storage;

import io.kvstore.raft.core.Entries;
import io.kvstore.raft.pb.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * The newest entries of the log, bounded by bytes; older ones are evicted first.
 *
 * <p>Thread-safety: not thread-safe; {@link RocksDbLogStore} guards it with its lock.
 */
final class TailCache {
  private final long maxBytes;
  /** Contiguous: {@code entries.get(i).getIndex() == firstIndex + i}. */
  private final ArrayList<Entry> entries = new ArrayList<>();
  /** The index of {@code entries.get(0)}, or of the next entry to append when empty. */
  private long firstIndex;
  /**
   * The sum of {@code Entries.size} over {@code entries}; at most {@code maxBytes} after a call.
   * Eviction goes down to three quarters of it, so appends evict in amortized constant time.
   */
  private long bytes;

  TailCache(long maxBytes, long nextIndex) {
    this.maxBytes = maxBytes;
    this.firstIndex = nextIndex;
  }

  /** The index of the oldest cached entry, or the next index to append if nothing is cached. */
  long firstIndex() {
    return firstIndex;
  }

  /** The cached entry at {@code index}, which must be in {@code [firstIndex(), last cached]}. */
  Entry get(long index) {
    return entries.get((int) (index - firstIndex));
  }

  /** A view of the cached entries in {@code [lo, hi)}, all of which must be cached. */
  List<Entry> range(long lo, long hi) {
    return entries.subList((int) (lo - firstIndex), (int) (hi - firstIndex));
  }

  /**
   * Appends contiguous entries, first dropping cached entries at or after the first one. If they
   * start before the cache, the cache restarts at them. The first must be at most one past the
   * last cached entry.
   */
  void append(List<Entry> ents) {
    if (ents.isEmpty()) {
      return;
    }
    long first = ents.get(0).getIndex();
    if (first <= firstIndex) {
      clear(first);
    } else {
      List<Entry> dropped = entries.subList((int) (first - firstIndex), entries.size());
      bytes -= Entries.totalSize(dropped);
      dropped.clear();
    }
    entries.addAll(ents);
    bytes += Entries.totalSize(ents);
    evict();
  }

  /** Drops cached entries at or before {@code index}. */
  void compact(long index) {
    if (index < firstIndex) {
      return;
    }
    int n = (int) Math.min(entries.size(), index - firstIndex + 1);
    dropHead(n);
    firstIndex = Math.max(firstIndex, index + 1);
  }

  /** Empties the cache; the next appended entry will have index {@code nextIndex}. */
  void clear(long nextIndex) {
    entries.clear();
    bytes = 0;
    firstIndex = nextIndex;
  }

  private void evict() {
    if (bytes <= maxBytes) {
      return;
    }
    int n = 0;
    long excess = bytes - (maxBytes - maxBytes / 4);
    long freed = 0;
    while (freed < excess && n < entries.size()) {
      freed += Entries.size(entries.get(n));
      n++;
    }
    dropHead(n);
  }

  private void dropHead(int n) {
    if (n == 0) {
      return;
    }
    List<Entry> head = entries.subList(0, n);
    bytes -= Entries.totalSize(head);
    head.clear();
    firstIndex += n;
  }
}
