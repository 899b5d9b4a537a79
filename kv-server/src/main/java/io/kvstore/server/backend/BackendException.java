package io.kvstore.server.backend;

/** The backend could not be read or written; the message names the directory. Immutable. */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
