package io.kvstore.server.mvcc;

import io.kvstore.api.mvccpb.KeyValue;

/**
 * The store as one reader sees it: a current revision, the compacted revision, the index, and the
 * value of each revision (as etcd's {@code storeTxnCommon}). A read of the store sees the
 * committed state; a write txn sees its own changes too.
 *
 * <p>Thread-safety: used by one thread for one request.
 */
interface ReadView {
  /** The revision reads without a revision are served at. */
  long revision();

  /** The compacted revision: reads below it fail; -1 if never compacted. */
  long compactRevision();

  TreeIndex index();

  /** The value stored at {@code rev}, which the index named. */
  KeyValue valueAt(Revision rev);
}
