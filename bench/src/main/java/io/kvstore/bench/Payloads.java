package io.kvstore.bench;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic random payloads for the benchmarks. Stateless. */
final class Payloads {
  /** The payload size the benchmarks propose and append, in bytes. */
  static final int SIZE = 256;

  private Payloads() {}

  /** {@code count} distinct payloads of {@link #SIZE} random bytes, the same for a given seed. */
  static List<ByteString> random(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<ByteString> out = new ArrayList<>(count);
    byte[] bytes = new byte[SIZE];
    for (int i = 0; i < count; i++) {
      random.nextBytes(bytes);
      out.add(ByteString.copyFrom(bytes));
    }
    return List.copyOf(out);
  }
}
