package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-memory index from key to {@link KeyIndex}, ordered by key as unsigned bytes, as etcd's
 * {@code treeIndex}: every read of the store asks it which revisions to fetch from the backend.
 * It holds revisions only, never values, and is rebuilt from the backend when the store opens.
 *
 * <p>Thread-safety: safe for concurrent use. A read-write lock guards the map and every {@link
 * KeyIndex}: the single writer (the apply thread: puts, tombstones, compaction, rebuild) takes
 * it exclusively, any number of readers share it. Readers ask at revisions no later than the
 * store's committed revision, so they never see the revisions a write in progress adds.
 */
final class TreeIndex {
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  /** Holds no empty KeyIndex. */
  private final NavigableMap<ByteString, KeyIndex> tree = new TreeMap<>(KeyRange.ORDER);

  /** What matched a range: up to the limit's entries, and how many matched in all. */
  record Match(List<IndexEntry> entries, int total) {
  }

  /** Records a put of {@code key} at {@code rev}; returns the key as it is after the put. */
  IndexEntry put(ByteString key, Revision rev) {
    lock.writeLock().lock();
    try {
      return tree.computeIfAbsent(key, KeyIndex::new).put(rev);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Records the deletion of {@code key} at {@code rev}; false if it does not exist now. */
  boolean tombstone(ByteString key, Revision rev) {
    lock.writeLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      return ki != null && ki.tombstone(rev);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Replays one record of the backend into an index being rebuilt, records in revision order, as
   * etcd's {@code restoreIntoIndex}: the first record seen of a key seeds it with the record's
   * create revision and version (its earlier history may be compacted away).
   */
  void restore(ByteString key, Revision rev, boolean tombstone, long createRevision,
      long version) {
    lock.writeLock().lock();
    try {
      KeyIndex[] seeded = new KeyIndex[1];
      KeyIndex ki = tree.computeIfAbsent(key, k -> seeded[0] = new KeyIndex(k));
      if (ki != seeded[0]) {
        if (tombstone) {
          ki.tombstone(rev);
        } else {
          ki.put(rev);
        }
      } else if (tombstone) {
        ki.restoreTombstone(rev);
      } else {
        ki.restore(Revision.first(createRevision), rev, version);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The key at main revision {@code atRev}, or null if it did not exist then. */
  IndexEntry get(ByteString key, long atRev) {
    lock.readLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      return ki == null ? null : ki.get(atRev);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The keys of {@code range} that existed at {@code atRev}, in key order: the first {@code
   * limit} of them (all if limit ≤ 0) and the number of all of them.
   */
  Match range(KeyRange range, long atRev, long limit) {
    lock.readLock().lock();
    try {
      if (range.isSingleKey()) {
        KeyIndex ki = tree.get(range.key());
        IndexEntry e = ki == null ? null : ki.get(atRev);
        return e == null ? new Match(List.of(), 0) : new Match(List.of(e), 1);
      }
      List<IndexEntry> entries = new ArrayList<>();
      int total = 0;
      for (KeyIndex ki : candidates(range)) {
        IndexEntry e = ki.get(atRev);
        if (e != null) {
          if (limit <= 0 || entries.size() < limit) {
            entries.add(e);
          }
          total++;
        }
      }
      return new Match(entries, total);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many keys of {@code range} existed at {@code atRev}. */
  int count(KeyRange range, long atRev) {
    lock.readLock().lock();
    try {
      if (range.isSingleKey()) {
        KeyIndex ki = tree.get(range.key());
        return ki != null && ki.get(atRev) != null ? 1 : 0;
      }
      int total = 0;
      for (KeyIndex ki : candidates(range)) {
        if (ki.get(atRev) != null) {
          total++;
        }
      }
      return total;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Every revision of the keys of {@code range} at main revision {@code rev} or later, in
   * revision order, the last change per key and main revision only (what a watcher catching up
   * from {@code rev} must see).
   */
  List<Revision> rangeSince(KeyRange range, long rev) {
    lock.readLock().lock();
    try {
      List<Revision> out = new ArrayList<>();
      if (range.isSingleKey()) {
        KeyIndex ki = tree.get(range.key());
        if (ki != null) {
          out.addAll(ki.since(rev));
        }
        return out;
      }
      for (KeyIndex ki : candidates(range)) {
        out.addAll(ki.since(rev));
      }
      out.sort(null);
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Compacts every key at {@code atRev} and drops the keys left empty; returns the revisions at
   * or below {@code atRev} whose values the backend must keep.
   */
  Set<Revision> compact(long atRev) {
    Set<Revision> available = new HashSet<>();
    lock.writeLock().lock();
    try {
      for (Iterator<KeyIndex> it = tree.values().iterator(); it.hasNext(); ) {
        KeyIndex ki = it.next();
        ki.compact(atRev, available);
        if (ki.isEmpty()) {
          it.remove();
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
    return available;
  }

  /** The revisions a compaction at {@code atRev} would keep, changing nothing (for hashing). */
  Set<Revision> keep(long atRev) {
    Set<Revision> available = new HashSet<>();
    lock.readLock().lock();
    try {
      tree.values().forEach(ki -> ki.keep(atRev, available));
    } finally {
      lock.readLock().unlock();
    }
    return available;
  }

  /** Number of keys with any history left (live or not yet compacted). */
  int size() {
    lock.readLock().lock();
    try {
      return tree.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The key indexes a non-single range may hold, in key order; call with the lock held. */
  private Iterable<KeyIndex> candidates(KeyRange range) {
    return switch (range.kind()) {
      case FROM_KEY -> tree.tailMap(range.key(), true).values();
      case BOUNDED -> KeyRange.ORDER.compare(range.key(), range.end()) >= 0
          ? List.of()
          : tree.subMap(range.key(), true, range.end(), false).values();
      case SINGLE -> throw new IllegalArgumentException("single key");
    };
  }
}
