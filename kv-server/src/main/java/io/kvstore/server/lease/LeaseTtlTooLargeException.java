package io.kvstore.server.lease;

import io.kvstore.server.mvcc.EtcdException;
import io.kvstore.server.mvcc.StatusCode;

/**
 * A grant asks for more than {@link Lessor#MAX_LEASE_TTL} seconds (etcd's {@code
 * ErrGRPCLeaseTTLTooLarge}). Immutable.
 */
public final class LeaseTtlTooLargeException extends EtcdException {
  private static final long serialVersionUID = 1L;

  public LeaseTtlTooLargeException() {
    super(StatusCode.OUT_OF_RANGE, "etcdserver: too large lease TTL");
  }
}
