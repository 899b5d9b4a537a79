package io.kvstore.raft.sim;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Entry;
import java.nio.ByteBuffer;
import java.util.TreeSet;

/**
 * The simulated application: it remembers which proposal values it applied and a rolling hash of
 * every applied entry, and, as kv-server will, records the applied index atomically with the data
 * (so it survives crashes and nothing is applied twice).
 *
 * <p>Thread-safety: not thread-safe; the simulation is single-threaded.
 *
 * <p>Invariant: {@code hash} is a function of exactly the entries {@code 1..applied}.
 */
final class SimStateMachine {
  long applied;
  long hash;
  final TreeSet<Long> values = new TreeSet<>();

  /** Applies one entry; returns the proposal value it carried, or -1. */
  long apply(Entry e) {
    if (e.getIndex() != applied + 1) {
      throw new SafetyViolation("applied index " + e.getIndex() + " after " + applied
          + " (gap or re-apply)");
    }
    applied = e.getIndex();
    hash = mix(hash, e.getTerm(), e.getType().getNumber(), e.getData());
    long value = valueOf(e);
    if (value >= 0) {
      values.add(value);
    }
    return value;
  }

  static long valueOf(Entry e) {
    if (e.getType().getNumber() != 0 || e.getData().size() != Long.BYTES) {
      return -1;
    }
    return ByteBuffer.wrap(e.getData().toByteArray()).getLong();
  }

  static long mix(long h, long term, int type, ByteString data) {
    long x = h * 0x9E3779B97F4A7C15L + term * 31 + type;
    for (int i = 0; i < data.size(); i++) {
      x = x * 1099511628211L + data.byteAt(i);
    }
    return x;
  }

  ByteString snapshotData() {
    ByteBuffer b = ByteBuffer.allocate(16 + 8 * values.size());
    b.putLong(applied).putLong(hash);
    for (long v : values) {
      b.putLong(v);
    }
    return ByteString.copyFrom(b.array());
  }

  void restore(ByteString data) {
    ByteBuffer b = data.asReadOnlyByteBuffer();
    applied = b.getLong();
    hash = b.getLong();
    values.clear();
    while (b.hasRemaining()) {
      values.add(b.getLong());
    }
  }
}
