package io.kvstore.server.mvcc;

/**
 * A write refused because the CORRUPT alarm is raised: etcd's {@code ErrCorrupt}, code DATA_LOSS,
 * "etcdserver: corrupt cluster". Immutable.
 */
public final class CorruptClusterException extends EtcdException {
  private static final long serialVersionUID = 1L;

  public CorruptClusterException() {
    super(StatusCode.DATA_LOSS, "etcdserver: corrupt cluster");
  }
}
