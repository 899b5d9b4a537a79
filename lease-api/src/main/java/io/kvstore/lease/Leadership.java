package io.kvstore.lease;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One term of holding an election or a lock: the key that holds it and its fencing token. Writes
 * made through {@link #guardedTxn} land only while this term lasts, so a paused or partitioned
 * ex-leader can never write after another has taken over. Immutable.
 *
 * @param name the election or lock name
 * @param key the key this term holds
 * @param fencingToken the key's create revision: strictly greater for every later term of the
 *     same name
 * @param session the session whose lease the key is attached to
 */
public record Leadership(String name, String key, long fencingToken, Session session,
    CoordinationStore store) {

  /**
   * Runs {@code ops} in one transaction only if this term still holds; completes with {@code
   * succeeded == false} (and nothing written) if it has ended.
   */
  public CompletableFuture<TxnOutcome> guardedTxn(List<WriteOp> ops) {
    return store.guardedTxn(key, fencingToken, ops);
  }

  /** Whether the session behind this term is still confirmed (it may end at any moment after). */
  public boolean isValid() {
    return session.isValid();
  }
}
