package io.kvstore.lease;

/**
 * The caller no longer holds the leadership (or lock) it names: its key is gone or belongs to a
 * later term. The text is etcd's. Immutable.
 */
public final class NotLeaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotLeaderException() {
    super("election: not leader");
  }
}
