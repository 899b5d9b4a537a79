package io.kvstore.server.mvcc;

/**
 * The revision asked for is older than the compacted one (etcd's {@code ErrGRPCCompacted}); a
 * compaction at or below the compacted revision is refused the same way. Immutable.
 */
public final class CompactedException extends EtcdException {
  private static final long serialVersionUID = 1L;

  /** The store's compacted revision when the request was refused. */
  private final long compactRevision;

  public CompactedException(long compactRevision) {
    super(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
    this.compactRevision = compactRevision;
  }

  public long compactRevision() {
    return compactRevision;
  }
}
