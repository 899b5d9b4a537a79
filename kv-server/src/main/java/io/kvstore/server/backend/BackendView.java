package io.kvstore.server.backend;

import java.io.IOException;

/**
 * State kept in memory beside the backend and derived from it — the MVCC store's key index — that
 * must not read the backend while a snapshot replaces it, and must then be rebuilt from the
 * replacement.
 *
 * <p>Thread-safety: {@link #replaceBackend} is called on the apply thread, as every write is.
 */
@FunctionalInterface
public interface BackendView {
  /**
   * Runs {@code swap} — which closes the current backend and opens its replacement — while
   * nothing reads the backend, rebuilds this view from the backend it returns, and returns that
   * backend. If {@code swap} fails, the view stays unusable and the failure propagates.
   */
  Backend replaceBackend(Swap swap) throws IOException;

  /** Closes the current backend and opens its replacement. */
  @FunctionalInterface
  interface Swap {
    Backend swap() throws IOException;
  }
}
