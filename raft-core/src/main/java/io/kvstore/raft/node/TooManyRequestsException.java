package io.kvstore.raft.node;

/**
 * A proposal was refused because this member's applying lags too far behind what is committed
 * (etcd's "etcdserver: too many requests"): nothing was proposed, so the caller may retry.
 * Immutable.
 */
public final class TooManyRequestsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TooManyRequestsException(String message) {
    super(message);
  }
}
