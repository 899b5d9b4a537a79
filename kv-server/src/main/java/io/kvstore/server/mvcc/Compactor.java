package io.kvstore.server.mvcc;

import io.kvstore.server.backend.Backend;
import java.util.Set;

/**
 * Deletes from the backend's key space what a compaction no longer needs, as etcd's {@code
 * scheduleCompaction}: every revision at or below the compact revision that is not the latest of
 * its key, in batches of {@link #BATCH} deletions, recording the compaction as finished with the
 * last batch. Redone from the start if a crash interrupts it (the store resumes a compaction that
 * was scheduled but not finished).
 *
 * <p>Thread-safety: runs on the apply thread; readers never need what it deletes.
 */
final class Compactor {
  static final int BATCH = 1000;

  private final Backend backend;
  /** The revisions at or below the compact revision to keep, from the index's compaction. */
  private final Set<Revision> keep;
  /** Deletions not yet written. */
  private Backend.Batch batch;
  private int pending;

  private Compactor(Backend backend, Set<Revision> keep) {
    this.backend = backend;
    this.keep = keep;
    this.batch = backend.newBatch();
  }

  /** Deletes the superseded revisions at or below {@code rev} and records {@code rev} finished. */
  static void run(Backend backend, Set<Revision> keep, long rev) {
    Compactor c = new Compactor(backend, keep);
    backend.scanRevisions(Revision.first(0).encode(), Revision.first(rev + 1).encode(),
        (key, value) -> c.visit(key));
    c.batch.putMeta(MvccStore.FINISHED_COMPACT_KEY, Revision.first(rev).encode());
    backend.write(c.batch);
  }

  private boolean visit(byte[] key) {
    if (!keep.contains(Revision.decode(key))) {
      batch.deleteRevision(key);
      if (++pending == BATCH) {
        backend.write(batch);
        batch = backend.newBatch();
        pending = 0;
      }
    }
    return true;
  }
}
