package io.kvstore.server;

/**
 * A member refused to start (a damaged or foreign data directory, a busy port, inconsistent
 * flags); nothing was left running. The message says what is wrong. Immutable.
 */
public final class StartRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StartRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
