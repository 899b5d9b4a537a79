package io.kvstore.server.backend;

import com.google.protobuf.ByteString;

/**
 * Applies the client request a normal Raft entry carries (kv-server's {@code
 * InternalRaftRequest}), writing the entry's index to the backend in the same batch as its
 * effects.
 *
 * <p>Thread-safety: called on the Raft apply thread only.
 */
@FunctionalInterface
public interface RequestApplier {
  void apply(long index, ByteString data);
}
