package io.kvstore.server.mvcc;

/** A put names a lease that does not exist (etcd's {@code ErrGRPCLeaseNotFound}). Immutable. */
public final class LeaseNotFoundException extends EtcdException {
  private static final long serialVersionUID = 1L;

  public LeaseNotFoundException() {
    super(StatusCode.NOT_FOUND, "etcdserver: requested lease not found");
  }
}
