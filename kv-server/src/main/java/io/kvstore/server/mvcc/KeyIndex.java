package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The revisions of one key, as etcd's {@code keyIndex}: a list of generations, each running from
 * the put that created the key to the deletion (tombstone) that ended it. The last generation is
 * the current one; it is empty while the key does not exist. For example, after put@1.0,
 * put@2.0, delete@3.0, put@4.0:
 *
 * <pre>
 *   generation 0: {created 1.0, version 3, revs [1.0, 2.0, 3.0(tombstone)]}
 *   generation 1: {created 4.0, version 1, revs [4.0]}
 * </pre>
 *
 * <p>Compaction at revision N removes every revision below the latest one at or below N, and
 * whole generations that ended (by tombstone) before N; a key left with nothing is empty and
 * leaves the index.
 *
 * <p>Thread-safety: none; {@link TreeIndex} guards every instance with its lock.
 */
final class KeyIndex {
  private final ByteString key;
  /** The latest revision put or tombstoned; every new revision must come after it. */
  private Revision modified = new Revision(0, 0);
  /** Never empty; only the last may be empty (the key is absent now); earlier ones end in a tombstone. */
  private final List<Generation> generations = new ArrayList<>(List.of(new Generation()));

  KeyIndex(ByteString key) {
    this.key = key;
  }

  ByteString key() {
    return key;
  }

  /**
   * Records a put at {@code rev}; a put into an empty current generation creates the key.
   * Returns the key as it is after the put.
   */
  IndexEntry put(Revision rev) {
    if (!rev.isAfter(modified)) {
      throw new IllegalStateException("put of " + key.toStringUtf8() + " at " + rev
          + " is not after its last change " + modified);
    }
    Generation g = current();
    if (g.revs.isEmpty()) {
      g.created = rev;
    }
    g.revs.add(rev);
    g.version++;
    modified = rev;
    return new IndexEntry(key, rev, g.created, g.version);
  }

  /**
   * Records a deletion at {@code rev} and starts a new, empty generation; false (and nothing
   * recorded) when the key does not exist now.
   */
  boolean tombstone(Revision rev) {
    if (current().revs.isEmpty()) {
      return false;
    }
    put(rev);
    generations.add(new Generation());
    return true;
  }

  /** Seeds an index being rebuilt with the key's latest put, as found in the backend. */
  void restore(Revision created, Revision rev, long version) {
    Generation g = current();
    if (!g.revs.isEmpty() || generations.size() != 1) {
      throw new IllegalStateException("restore into a non-empty index of " + key.toStringUtf8());
    }
    g.created = created;
    g.version = version;
    g.revs.add(rev);
    modified = rev;
  }

  /** Seeds an index being rebuilt with a deletion of a key whose earlier revisions are compacted. */
  void restoreTombstone(Revision rev) {
    restore(new Revision(0, 0), rev, 1);
    generations.add(new Generation());
  }

  /** The key as it was at main revision {@code atRev}, or null if it did not exist then. */
  IndexEntry get(long atRev) {
    Generation g = findGeneration(atRev);
    if (g == null) {
      return null;
    }
    for (int i = g.revs.size() - 1; i >= 0; i--) {
      Revision r = g.revs.get(i);
      if (r.main() <= atRev) {
        return new IndexEntry(key, r, g.created, g.version - (g.revs.size() - 1 - i));
      }
    }
    return null;
  }

  /**
   * The revisions at main revision {@code rev} or later, oldest first, keeping only the last
   * change of each main revision (the one visible from outside a txn).
   */
  List<Revision> since(long rev) {
    Revision since = Revision.first(rev);
    int gi = generations.size() - 1;
    for (; gi > 0; gi--) {
      Generation g = generations.get(gi);
      if (!g.revs.isEmpty() && since.isAfter(g.created)) {
        break;
      }
    }
    List<Revision> out = new ArrayList<>();
    long last = 0;
    for (; gi < generations.size(); gi++) {
      for (Revision r : generations.get(gi).revs) {
        if (since.isAfter(r)) {
          continue;
        }
        if (r.main() == last) {
          out.set(out.size() - 1, r);
          continue;
        }
        out.add(r);
        last = r.main();
      }
    }
    return out;
  }

  /**
   * Drops history below {@code atRev}: keeps the latest revision at or below it (adding it to
   * {@code available}, the revisions whose values the backend must keep) and everything after.
   * A generation that ended at or after {@code atRev} keeps its tombstone.
   */
  void compact(long atRev, Set<Revision> available) {
    int genIdx = generationAtOrAfter(atRev);
    Generation g = generations.get(genIdx);
    int revIdx = latestAtOrBelow(g, atRev, available);
    if (revIdx > 0) {
      g.revs.subList(0, revIdx).clear();
    }
    generations.subList(0, genIdx).clear();
  }

  /**
   * Adds to {@code available} the revision a compaction at {@code atRev} would keep, without
   * changing anything; unlike {@link #compact}, a tombstone kept only to end its generation is
   * left out (as etcd does, so that hashes agree across versions).
   */
  void keep(long atRev, Set<Revision> available) {
    if (isEmpty()) {
      return;
    }
    int genIdx = generationAtOrAfter(atRev);
    Generation g = generations.get(genIdx);
    int revIdx = latestAtOrBelow(g, atRev, available);
    if (!g.revs.isEmpty() && revIdx == g.revs.size() - 1 && genIdx != generations.size() - 1) {
      available.remove(g.revs.get(revIdx));
    }
  }

  /** The first generation whose tombstone is at or after {@code atRev}, else the current one. */
  private int generationAtOrAfter(long atRev) {
    int genIdx = 0;
    while (genIdx < generations.size() - 1) {
      List<Revision> revs = generations.get(genIdx).revs;
      if (revs.get(revs.size() - 1).main() >= atRev) {
        break;
      }
      genIdx++;
    }
    return genIdx;
  }

  /** Index in {@code g} of its latest revision at or below {@code atRev} (added to {@code out}), or -1. */
  private static int latestAtOrBelow(Generation g, long atRev, Set<Revision> out) {
    for (int i = g.revs.size() - 1; i >= 0; i--) {
      if (g.revs.get(i).main() <= atRev) {
        out.add(g.revs.get(i));
        return i;
      }
    }
    return -1;
  }

  /** True when nothing is left: one empty generation. */
  boolean isEmpty() {
    return generations.size() == 1 && generations.get(0).revs.isEmpty();
  }

  private Generation current() {
    return generations.get(generations.size() - 1);
  }

  /** The generation holding the key's value at {@code rev}, or null if it did not exist then. */
  private Generation findGeneration(long rev) {
    int last = generations.size() - 1;
    for (int cg = last; cg >= 0; cg--) {
      Generation g = generations.get(cg);
      if (g.revs.isEmpty()) {
        continue;
      }
      if (cg != last && g.revs.get(g.revs.size() - 1).main() <= rev) {
        return null; // deleted at or before rev
      }
      if (g.revs.get(0).main() <= rev) {
        return g;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return key.toStringUtf8() + generations;
  }

  /** One life of the key, from creation to deletion. */
  private static final class Generation {
    /** Number of revisions ever put into this generation, including compacted ones. */
    long version;
    /** The creating put's revision; meaningless while revs is empty. */
    Revision created = new Revision(0, 0);
    /** Ascending; the last is the tombstone in every generation but the current one. */
    final List<Revision> revs = new ArrayList<>();

    @Override
    public String toString() {
      return "{created " + created + ", version " + version + ", revs " + revs + "}";
    }
  }
}
