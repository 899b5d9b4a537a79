package io.kvstore.raft.node;

/**
 * A proposal or read did not complete within the node's request timeout. For a proposal the
 * outcome is unknown: it may still be committed later. Immutable.
 */
public final class RequestTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RequestTimeoutException(String message) {
    super(message);
  }
}
