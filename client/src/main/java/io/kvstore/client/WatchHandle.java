package io.kvstore.client;

/**
 * A watch started by {@link Watch#watch}: it delivers until {@link #cancel} or a terminal error,
 * resuming by itself across broken streams and member switches.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public interface WatchHandle {
  /**
   * Ends the watch: its stream is cancelled, and the observer gets {@code onCompleted} unless the
   * watch has already ended. A delivery already under way may still complete. Idempotent.
   */
  void cancel();

  /**
   * Asks the member now serving the watch for a progress notification (etcd's {@code
   * progress_request}); it arrives as an event-less response. Ignored while the watch is
   * between streams or ended.
   */
  void requestProgress();

  /**
   * The revision the watch would resume from now: one past the last event or progress
   * notification delivered, or the requested start revision (0: "from now") before any.
   */
  long nextRevision();
}
