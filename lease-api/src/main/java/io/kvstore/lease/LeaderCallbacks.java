package io.kvstore.lease;

/**
 * What a {@link LeaderElector} tells its application, as client-go's {@code
 * LeaderCallbacks}.
 */
public interface LeaderCallbacks {

  /**
   * This replica leads. Runs on a thread of its own for the whole term and may block; the
   * context says when the term ends and guards the replica's writes.
   */
  void onStartedLeading(LeaderContext context);

  /**
   * This replica stopped leading: no later than the renew deadline after its lease could last be
   * confirmed, and before another replica can be elected. Must not block for long.
   */
  void onStoppedLeading();

  /** The leader is now {@code identity} (possibly this replica). Must not block for long. */
  default void onNewLeader(String identity) {}
}
