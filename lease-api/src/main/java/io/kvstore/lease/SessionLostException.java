package io.kvstore.lease;

/** An operation needed a session that has ended. Immutable. */
public final class SessionLostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient SessionLoss loss;

  public SessionLostException(SessionLoss loss) {
    super("session lost: " + loss.detail());
    this.loss = loss;
  }

  public SessionLoss loss() {
    return loss;
  }
}
