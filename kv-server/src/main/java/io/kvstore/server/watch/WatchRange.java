package io.kvstore.server.watch;

import com.google.protobuf.ByteString;
import io.kvstore.server.mvcc.KeyOrder;
import java.util.Comparator;

/**
 * The keys a watch names, with etcd's conventions for {@code key} and {@code range_end}: an
 * empty key means {@code "\0"} (the smallest key); an empty end names the single key; an end of
 * one zero byte names every key at or after {@code key}; any other end names {@code [key, end)}.
 * Keys compare as unsigned bytes. Immutable.
 *
 * @param key the first key, never empty
 * @param end the end as the request gave it (empty, {@code "\0"}, or an exclusive bound)
 */
public record WatchRange(ByteString key, ByteString end) {
  private static final Comparator<ByteString> ORDER = KeyOrder.ORDER;
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  /** The range a {@code WatchCreateRequest}'s {@code key} and {@code range_end} name. */
  public static WatchRange of(ByteString key, ByteString rangeEnd) {
    return new WatchRange(key.isEmpty() ? ZERO : key, rangeEnd);
  }

  public boolean isSingleKey() {
    return end.isEmpty();
  }

  private boolean isFromKey() {
    return end.equals(ZERO);
  }

  /**
   * Whether the range names no key at all: a bounded end at or before the key (etcd refuses such
   * a watch with {@code mvcc: watcher range is empty}).
   */
  public boolean isEmpty() {
    return !isSingleKey() && !isFromKey() && ORDER.compare(key, end) >= 0;
  }

  public boolean contains(ByteString k) {
    if (isSingleKey()) {
      return key.equals(k);
    }
    if (isFromKey()) {
      return ORDER.compare(k, key) >= 0;
    }
    return ORDER.compare(k, key) >= 0 && ORDER.compare(k, end) < 0;
  }
}
