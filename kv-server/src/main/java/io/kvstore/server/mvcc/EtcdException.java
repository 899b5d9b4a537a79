package io.kvstore.server.mvcc;

/**
 * A request refused as etcd refuses it: the gRPC status code and the exact message etcd sends
 * (from its {@code rpctypes/error.go}), which clients match on. The service layer turns it into
 * a gRPC status carrying both unchanged. Immutable.
 */
public class EtcdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final StatusCode code;

  protected EtcdException(StatusCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public StatusCode code() {
    return code;
  }
}
