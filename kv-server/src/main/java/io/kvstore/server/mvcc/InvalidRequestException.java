package io.kvstore.server.mvcc;

/**
 * A request etcd refuses with {@code codes.InvalidArgument}; one factory per etcd error, with
 * etcd's exact text. Immutable.
 */
public final class InvalidRequestException extends EtcdException {
  private static final long serialVersionUID = 1L;

  private InvalidRequestException(String message) {
    super(StatusCode.INVALID_ARGUMENT, message);
  }

  /** etcd's {@code ErrGRPCEmptyKey}. */
  public static InvalidRequestException emptyKey() {
    return new InvalidRequestException("etcdserver: key is not provided");
  }

  /**
   * etcd's {@code ErrGRPCKeyNotFound}: a put with {@code ignore_value} or {@code ignore_lease} of
   * a key that does not exist, or a txn operation with no request set.
   */
  public static InvalidRequestException keyNotFound() {
    return new InvalidRequestException("etcdserver: key not found");
  }

  /** etcd's {@code ErrGRPCValueProvided}: {@code ignore_value} with a value. */
  public static InvalidRequestException valueProvided() {
    return new InvalidRequestException("etcdserver: value is provided");
  }

  /** etcd's {@code ErrGRPCLeaseProvided}: {@code ignore_lease} with a lease. */
  public static InvalidRequestException leaseProvided() {
    return new InvalidRequestException("etcdserver: lease is provided");
  }

  /** etcd's {@code ErrGRPCTooManyOps}. */
  public static InvalidRequestException tooManyOps() {
    return new InvalidRequestException("etcdserver: too many operations in txn request");
  }

  /** etcd's {@code ErrGRPCDuplicateKey}. */
  public static InvalidRequestException duplicateKey() {
    return new InvalidRequestException("etcdserver: duplicate key given in txn request");
  }
}
