package io.kvstore.bench;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The keys of a run: {@code prefix} followed by the key's number in the key space, big-endian in
 * the remaining {@code keySize - prefix} bytes, so every key has exactly {@code keySize} bytes and
 * all of them sit under the prefix (one range covers them, for watches and cleanup). Key {@code n}
 * of a run is number {@code n mod keySpace} with {@code --sequential-keys}, a uniformly random
 * number otherwise. Immutable and thread-safe.
 */
public final class Keys {
  private final byte[] prefix;
  private final int keySize;
  private final long keySpace;
  private final boolean sequential;

  Keys(String prefix, int keySize, long keySpace, boolean sequential) {
    check(prefix, keySize, keySpace);
    this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
    this.keySize = keySize;
    this.keySpace = keySpace;
    this.sequential = sequential;
  }

  /** Throws {@link LoadOptions.InvalidOptionException} unless the key space fits the key size. */
  static void check(String prefix, int keySize, long keySpace) {
    int p = prefix.getBytes(StandardCharsets.UTF_8).length;
    if (p == 0) {
      throw new LoadOptions.InvalidOptionException("--key-prefix must not be empty");
    }
    int room = keySize - p;
    if (room < 1) {
      throw new LoadOptions.InvalidOptionException("--key-size " + keySize
          + " leaves no room after the " + p + "-byte --key-prefix; use at least " + (p + 1));
    }
    if (room < 8 && keySpace > (1L << (8 * room))) {
      throw new LoadOptions.InvalidOptionException("--key-space " + keySpace + " needs more than "
          + room + " bytes after the key prefix; raise --key-size to at least "
          + (p + bytesFor(keySpace - 1)));
    }
  }

  private static int bytesFor(long max) {
    int n = 1;
    while (n < 8 && (max >>> (8 * n)) != 0) {
      n++;
    }
    return n;
  }

  long keySpace() {
    return keySpace;
  }

  /** The key the {@code seq}-th request of a run uses. */
  ByteString forRequest(long seq) {
    return number(numberForRequest(seq));
  }

  /** The number of the key the {@code seq}-th request of a run uses. */
  long numberForRequest(long seq) {
    return sequential ? Math.floorMod(seq, keySpace)
        : ThreadLocalRandom.current().nextLong(keySpace);
  }

  /** Key number {@code n} of the key space. */
  ByteString number(long n) {
    byte[] k = new byte[keySize];
    System.arraycopy(prefix, 0, k, 0, prefix.length);
    long v = n;
    for (int i = keySize - 1; i >= prefix.length && i >= keySize - 8; i--) {
      k[i] = (byte) v;
      v >>>= 8;
    }
    return ByteString.copyFrom(k);
  }

  /** The prefix alone: the first key of the range holding every key of the run. */
  ByteString rangeStart() {
    return ByteString.copyFrom(prefix);
  }

  /** The end (exclusive) of the range holding every key of the run: the prefix plus one. */
  ByteString rangeEnd() {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0}); // all 0xff: to the end of the key space
  }
}
