package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * The keys a request names by {@code key} and {@code range_end}, with etcd's conventions: an empty
 * end names the single key, an end of one zero byte names every key at or after {@code key}, any
 * other end names {@code [key, end)} (empty when end ≤ key). Keys compare as unsigned bytes.
 * Immutable.
 */
record KeyRange(ByteString key, ByteString end, Kind kind) {
  static final Comparator<ByteString> ORDER = KeyOrder.ORDER;
  private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

  enum Kind { SINGLE, FROM_KEY, BOUNDED }

  /** The range a request's {@code key} and {@code range_end} name. */
  static KeyRange of(ByteString key, ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) {
      return new KeyRange(key, ByteString.EMPTY, Kind.SINGLE);
    }
    if (rangeEnd.equals(FROM_KEY)) {
      return new KeyRange(key, ByteString.EMPTY, Kind.FROM_KEY);
    }
    return new KeyRange(key, rangeEnd, Kind.BOUNDED);
  }

  boolean isSingleKey() {
    return kind == Kind.SINGLE;
  }

  boolean contains(ByteString k) {
    return switch (kind) {
      case SINGLE -> key.equals(k);
      case FROM_KEY -> ORDER.compare(k, key) >= 0;
      case BOUNDED -> ORDER.compare(k, key) >= 0 && ORDER.compare(k, end) < 0;
    };
  }
}
