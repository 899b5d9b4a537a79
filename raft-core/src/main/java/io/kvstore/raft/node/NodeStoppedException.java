package io.kvstore.raft.node;

/** A request reached a {@link RaftNode} that is stopping or has stopped. Immutable. */
public final class NodeStoppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NodeStoppedException(String message, Throwable cause) {
    super(message, cause);
  }
}
