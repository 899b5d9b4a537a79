package io.kvstore.server.apply;

/**
 * A logged request this member cannot apply (written by a newer version); it is recorded as
 * applied with no effect and its proposer is told. Immutable.
 */
public final class UnsupportedRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnsupportedRequestException(String kind) {
    super("etcdserver: not capable (" + kind + " is not supported by this member)", null,
        false, false);
  }
}
