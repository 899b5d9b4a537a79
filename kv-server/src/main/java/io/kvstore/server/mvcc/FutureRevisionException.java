package io.kvstore.server.mvcc;

/**
 * The revision asked for is after the store's current one (etcd's {@code ErrGRPCFutureRev}).
 * Immutable.
 */
public final class FutureRevisionException extends EtcdException {
  private static final long serialVersionUID = 1L;

  public FutureRevisionException() {
    super(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
  }
}
