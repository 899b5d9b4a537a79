package io.kvstore.raft.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A captured state-machine snapshot that can be written out later, off the event loop (for
 * kv-server, a RocksDB checkpoint being packed). Called at most once.
 */
@FunctionalInterface
public interface SnapshotWriter {
  void writeTo(OutputStream out) throws IOException;
}
