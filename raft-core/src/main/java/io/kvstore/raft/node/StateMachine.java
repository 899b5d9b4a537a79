package io.kvstore.raft.node;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;

/**
 * The application replicated by a {@link RaftNode}. Called only from the node's event loop, in
 * log order; implementations need no locking against the node itself (but must make their own
 * reads from other threads safe).
 *
 * <p>Invariant an implementation must keep: {@link #appliedIndex()} is persisted atomically with
 * the effects of the entry it names, so after a crash no entry is applied twice or skipped.
 */
public interface StateMachine {

  /** The index of the last applied entry as persisted (0 for a new state machine). */
  long appliedIndex();

  /**
   * Applies one committed entry and records its index as applied. Entries of type {@code
   * ENTRY_CONF_CHANGE} and empty entries (a new leader's no-op) carry no command but must still
   * advance the applied index.
   *
   * @return the result handed to whoever proposed the entry on this member (may be null)
   */
  Object apply(Entry entry);

  /**
   * Captures the state as of {@link #appliedIndex()} cheaply, on the event loop (kv-server takes
   * a RocksDB checkpoint); the returned writer streams it later, off the loop.
   */
  SnapshotWriter snapshot() throws IOException;

  /**
   * Replaces the whole state with a snapshot, atomically: after a crash during restore, the old
   * state (or the complete new one) is found, never a mixture. Afterwards {@link #appliedIndex()}
   * equals {@code metadata.getIndex()}.
   */
  void restore(SnapshotMetadata metadata, InputStream data) throws IOException;
}
