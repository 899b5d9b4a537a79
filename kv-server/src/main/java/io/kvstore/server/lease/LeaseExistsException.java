package io.kvstore.server.lease;

import io.kvstore.server.mvcc.EtcdException;
import io.kvstore.server.mvcc.StatusCode;

/** A grant names a lease id already in use (etcd's {@code ErrGRPCLeaseExist}). Immutable. */
public final class LeaseExistsException extends EtcdException {
  private static final long serialVersionUID = 1L;

  public LeaseExistsException() {
    super(StatusCode.FAILED_PRECONDITION, "etcdserver: lease already exists");
  }
}
