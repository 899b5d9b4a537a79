package io.kvstore.raft.core;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The Raft log as the core sees it: the stable part in {@link Storage} followed by the {@link
 * Unstable} part not yet persisted, with the commit and apply cursors.
 *
 * <p>Thread-safety: not thread-safe; owned by the Raft core's thread.
 *
 * <p>Invariants: {@code applied <= committed <= lastIndex()}; {@code firstIndex() - 1 <=
 * applied} once started.
 */
final class RaftLog {
  final Storage storage;
  final Unstable unstable;
  /** The highest index known to be committed on a quorum. */
  long committed;
  /** The highest index handed to the state machine for applying. */
  long applied;
  private final long maxNextEntsSize;

  RaftLog(Storage storage, long maxNextEntsSize) {
    this.storage = storage;
    this.maxNextEntsSize = maxNextEntsSize;
    long first = storage.firstIndex();
    long last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  /**
   * Appends {@code ents} after the entry at {@code index} with term {@code logTerm} if the logs
   * match there, committing up to {@code committed}. Returns the last new index, or -1 on a
   * mismatch.
   */
  long maybeAppend(long index, long logTerm, long committedIdx, List<Entry> ents) {
    if (!matchTerm(index, logTerm)) {
      return -1;
    }
    long lastNew = index + ents.size();
    long ci = findConflict(ents);
    if (ci != 0) {
      if (ci <= committed) {
        throw new IllegalStateException(
            "entry " + ci + " conflicts with committed entry [committed(" + committed + ")]");
      }
      append(ents.subList((int) (ci - index - 1), ents.size()));
    }
    commitTo(Math.min(committedIdx, lastNew));
    return lastNew;
  }

  long append(List<Entry> ents) {
    if (ents.isEmpty()) {
      return lastIndex();
    }
    long after = ents.get(0).getIndex() - 1;
    if (after < committed) {
      throw new IllegalStateException("after(" + after + ") is out of range [committed(" + committed + ")]");
    }
    unstable.truncateAndAppend(ents);
    return lastIndex();
  }

  /**
   * The index of the first entry in {@code ents} that is new or whose term differs from ours, or
   * 0 if all are already here.
   */
  long findConflict(List<Entry> ents) {
    for (Entry e : ents) {
      if (e.getIndex() > lastIndex() || !matchTerm(e.getIndex(), e.getTerm())) {
        return e.getIndex();
      }
    }
    return 0;
  }

  /**
   * The largest index at or below {@code index} whose term is at or below {@code term}, and that
   * term, for fast backtracking of rejected appends. Returns {index, term}.
   */
  long[] findConflictByTerm(long index, long term) {
    long last = lastIndex();
    if (index > last) {
      return new long[] {index, 0};
    }
    while (true) {
      long t;
      try {
        t = term(index);
      } catch (StorageException e) {
        return new long[] {index, 0};
      }
      if (t <= term) {
        return new long[] {index, t};
      }
      index--;
    }
  }

  List<Entry> unstableEntries() {
    return unstable.entries.isEmpty() ? List.of() : List.copyOf(unstable.entries);
  }

  /** Committed entries not yet handed out for applying (at most {@code maxNextEntsSize} bytes). */
  List<Entry> nextEntries() {
    long off = Math.max(applied + 1, firstIndex());
    if (committed + 1 > off) {
      return List.copyOf(slice(off, committed + 1, maxNextEntsSize));
    }
    return List.of();
  }

  boolean hasNextEntries() {
    return committed + 1 > Math.max(applied + 1, firstIndex());
  }

  boolean hasPendingSnapshot() {
    return unstable.snapshot != null && unstable.snapshot.getMetadata().getIndex() > 0;
  }

  Snapshot snapshot() {
    return unstable.snapshot != null ? unstable.snapshot : storage.snapshot();
  }

  long firstIndex() {
    long i = unstable.maybeFirstIndex();
    return i != -1 ? i : storage.firstIndex();
  }

  long lastIndex() {
    long i = unstable.maybeLastIndex();
    return i != -1 ? i : storage.lastIndex();
  }

  void commitTo(long toCommit) {
    if (committed < toCommit) {
      if (lastIndex() < toCommit) {
        throw new IllegalStateException("tocommit(" + toCommit + ") is out of range [lastIndex("
            + lastIndex() + ")]. Was the raft log corrupted, truncated, or lost?");
      }
      committed = toCommit;
    }
  }

  void appliedTo(long i) {
    if (i == 0) {
      return;
    }
    if (committed < i || i < applied) {
      throw new IllegalStateException("applied(" + i + ") is out of range [prevApplied(" + applied
          + "), committed(" + committed + ")]");
    }
    applied = i;
  }

  void stableTo(long i, long t) {
    unstable.stableTo(i, t);
  }

  void stableSnapTo(long i) {
    unstable.stableSnapTo(i);
  }

  long lastTerm() {
    return zeroTermOnOutOfRange(lastIndex());
  }

  /**
   * The term of entry {@code i}.
   *
   * @throws StorageException COMPACTED if {@code i} was compacted away, UNAVAILABLE if past the end
   */
  long term(long i) {
    long dummy = firstIndex() - 1;
    if (i < dummy) {
      throw new StorageException(StorageException.Kind.COMPACTED, "index " + i + " compacted");
    }
    if (i > lastIndex()) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, "index " + i + " unavailable");
    }
    long t = unstable.maybeTerm(i);
    if (t != -1) {
      return t;
    }
    return storage.term(i);
  }

  long zeroTermOnOutOfRange(long i) {
    if (i < firstIndex() - 1 || i > lastIndex()) {
      return 0;
    }
    try {
      return term(i);
    } catch (StorageException e) {
      return 0;
    }
  }

  /** Entries from {@code i} to the end, at most {@code maxSize} bytes (at least one). */
  List<Entry> entries(long i, long maxSize) {
    if (i > lastIndex()) {
      return List.of();
    }
    return slice(i, lastIndex() + 1, maxSize);
  }

  /** Whether a log ending at ({@code lastIdx}, {@code lastTerm}) is at least as up to date. */
  boolean isUpToDate(long lastIdx, long term) {
    long ourTerm = lastTerm();
    return term > ourTerm || (term == ourTerm && lastIdx >= lastIndex());
  }

  boolean matchTerm(long i, long term) {
    if (i < firstIndex() - 1 || i > lastIndex()) {
      return false;
    }
    try {
      return term(i) == term;
    } catch (StorageException e) {
      return false;
    }
  }

  /** Commits {@code maxIndex} if its entry is from {@code term} (Raft §5.4.2). */
  boolean maybeCommit(long maxIndex, long term) {
    if (maxIndex > committed && zeroTermOnOutOfRange(maxIndex) == term) {
      commitTo(maxIndex);
      return true;
    }
    return false;
  }

  void restore(Snapshot s) {
    committed = s.getMetadata().getIndex();
    unstable.restore(s);
  }

  /** Entries in {@code [lo, hi)} limited to {@code maxSize} bytes, from storage then unstable. */
  List<Entry> slice(long lo, long hi, long maxSize) {
    checkOutOfBounds(lo, hi);
    if (lo == hi) {
      return List.of();
    }
    List<Entry> ents = new ArrayList<>();
    if (lo < unstable.offset) {
      List<Entry> stored = storage.entries(lo, Math.min(hi, unstable.offset), maxSize);
      if (stored.size() < Math.min(hi, unstable.offset) - lo) {
        return stored;
      }
      ents.addAll(stored);
    }
    if (hi > unstable.offset) {
      ents.addAll(unstable.slice(Math.max(lo, unstable.offset), hi));
    }
    return Entries.limitSize(ents, maxSize);
  }

  private void checkOutOfBounds(long lo, long hi) {
    if (lo > hi) {
      throw new IllegalArgumentException("invalid slice " + lo + " > " + hi);
    }
    long fi = firstIndex();
    if (lo < fi) {
      throw new StorageException(StorageException.Kind.COMPACTED, "index " + lo + " compacted");
    }
    long length = lastIndex() + 1 - fi;
    if (hi > fi + length) {
      throw new IllegalArgumentException("slice[" + lo + "," + hi + ") out of bound [" + fi + ","
          + lastIndex() + "]");
    }
  }
}
