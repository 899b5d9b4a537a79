package io.kvstore.raft.transport;

import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.IOException;

/**
 * Implementations must be thread-safe: {@link #receive} is called from any transport I/O thread;
 * each {@link Receiver} is then used by one thread at a time. Stores snapshot files streamed in by
 * peers.
 */
@FunctionalInterface
public interface SnapshotSink {

  /** Starts receiving the snapshot described by {@code meta}. */
  Receiver receive(SnapshotMetadata meta) throws IOException;

  /**
   * One incoming snapshot file. The transport calls {@link #write} for each chunk in order, then
   * exactly one of {@link #commit} or {@link #abort}; after a failed {@code write} or {@code
   * commit} it calls {@code abort}. Calls run on an I/O thread, so they should be plain buffered
   * file writes.
   */
  interface Receiver {
    void write(byte[] chunk) throws IOException;

    /** Makes the whole file durable and visible; after this returns, the snapshot may be used. */
    void commit() throws IOException;

    /** Discards what was written; must not throw. */
    void abort();
  }
}
