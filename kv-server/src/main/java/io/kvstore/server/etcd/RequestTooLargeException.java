package io.kvstore.server.etcd;

/** A request larger than {@code --max-request-bytes}; nothing was proposed. Immutable. */
final class RequestTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RequestTooLargeException(int size, int limit) {
    super("request of " + size + " bytes exceeds --max-request-bytes " + limit, null, false, false);
  }
}
