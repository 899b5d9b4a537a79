package io.kvstore.raft.core;

import io.kvstore.raft.pb.Entry;
import java.util.List;

/** Helpers over lists of log entries. Stateless. */
public final class Entries {
  private Entries() {}

  /** The payload size the byte limits count: data plus a fixed per-entry overhead. */
  public static long size(Entry e) {
    return e.getData().size() + 16L;
  }

  /**
   * The longest prefix of {@code ents} whose total size stays within {@code maxBytes}, and at
   * least the first entry. Returns a view, not a copy.
   */
  public static List<Entry> limitSize(List<Entry> ents, long maxBytes) {
    if (ents.isEmpty()) {
      return ents;
    }
    long size = size(ents.get(0));
    int limit = 1;
    while (limit < ents.size()) {
      size += size(ents.get(limit));
      if (size > maxBytes) {
        break;
      }
      limit++;
    }
    return ents.subList(0, limit);
  }

  /** The total size of {@code ents} as counted by {@link #size(Entry)}. */
  public static long totalSize(List<Entry> ents) {
    long n = 0;
    for (Entry e : ents) {
      n += size(e);
    }
    return n;
  }
}
