package io.kvstore.server.lease;

import io.kvstore.server.pb.InternalRaftRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Proposes a request through Raft under a fresh id; the future completes with its apply result.
 *
 * <p>Thread-safety: implementations are safe for concurrent use.
 */
@FunctionalInterface
public interface Proposals {
  CompletableFuture<Object> propose(InternalRaftRequest.Builder request);
}
