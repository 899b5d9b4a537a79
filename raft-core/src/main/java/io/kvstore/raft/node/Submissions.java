package io.kvstore.raft.node;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The untracked submissions of one loop turn, handed to Raft together.
 *
 * <p>Thread-safety: not thread-safe; used only on the node's event loop.
 *
 * <p>Invariant: {@code payloads} and {@code futures} have the same length.
 */
final class Submissions {
  private final List<ByteString> payloads = new ArrayList<>();
  private final List<CompletableFuture<Void>> futures = new ArrayList<>();

  void add(ByteString payload, CompletableFuture<Void> future) {
    payloads.add(payload);
    futures.add(future);
  }

  boolean isEmpty() {
    return payloads.isEmpty();
  }

  List<ByteString> payloads() {
    return List.copyOf(payloads);
  }

  /** Completes every waiting submission, with {@code failure} if not null, and starts over. */
  void completeAll(RuntimeException failure) {
    for (CompletableFuture<Void> f : futures) {
      if (failure == null) {
        f.complete(null);
      } else {
        f.completeExceptionally(failure);
      }
    }
    payloads.clear();
    futures.clear();
  }
}
