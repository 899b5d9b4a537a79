package io.kvstore.raft.core;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Entries and a snapshot that the core has accepted but the driver has not yet persisted.
 *
 * <p>Thread-safety: not thread-safe; owned by the Raft core's thread.
 *
 * <p>Invariants: {@code entries.get(i).getIndex() == offset + i}; if {@code snapshot} is set,
 * {@code offset == snapshot index + 1} or entries were appended after it.
 */
final class Unstable {
  Snapshot snapshot;
  final ArrayList<Entry> entries = new ArrayList<>();
  long offset;

  Unstable(long offset) {
    this.offset = offset;
  }

  /** The first index if only the snapshot knows it, else -1. */
  long maybeFirstIndex() {
    return snapshot != null ? snapshot.getMetadata().getIndex() + 1 : -1;
  }

  /** The last index if unstable entries or a snapshot know it, else -1. */
  long maybeLastIndex() {
    if (!entries.isEmpty()) {
      return offset + entries.size() - 1;
    }
    return snapshot != null ? snapshot.getMetadata().getIndex() : -1;
  }

  /** The term of entry {@code i} if known here, else -1. */
  long maybeTerm(long i) {
    if (i < offset) {
      if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
        return snapshot.getMetadata().getTerm();
      }
      return -1;
    }
    long last = maybeLastIndex();
    if (last == -1 || i > last) {
      return -1;
    }
    return entries.get((int) (i - offset)).getTerm();
  }

  /** The driver persisted entries up to {@code i} with term {@code t}. */
  void stableTo(long i, long t) {
    long gt = maybeTerm(i);
    if (gt == -1) {
      return;
    }
    if (gt == t && i >= offset) {
      entries.subList(0, (int) (i + 1 - offset)).clear();
      offset = i + 1;
    }
  }

  void stableSnapTo(long i) {
    if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
      snapshot = null;
    }
  }

  void restore(Snapshot s) {
    offset = s.getMetadata().getIndex() + 1;
    entries.clear();
    snapshot = s;
  }

  void truncateAndAppend(List<Entry> ents) {
    long after = ents.get(0).getIndex();
    if (after == offset + entries.size()) {
      entries.addAll(ents);
    } else if (after <= offset) {
      offset = after;
      entries.clear();
      entries.addAll(ents);
    } else {
      entries.subList((int) (after - offset), entries.size()).clear();
      entries.addAll(ents);
    }
  }

  List<Entry> slice(long lo, long hi) {
    if (lo > hi || lo < offset || hi > offset + entries.size()) {
      throw new IllegalStateException("invalid unstable.slice " + lo + "," + hi
          + " offset " + offset + " len " + entries.size());
    }
    return entries.subList((int) (lo - offset), (int) (hi - offset));
  }
}
