package io.kvstore.client;

import io.grpc.Status;

/**
 * A watch cannot go on because the revision it has to (re)start from is compacted: the events
 * from there up to {@link #compactRevision()} are gone. Delivered to the watch's observer, never
 * hidden behind a resume; the caller may read the current state and watch again from the compact
 * revision. Immutable.
 */
public final class WatchCompactedException extends EtcdException {
  private static final long serialVersionUID = 1L;

  /** etcd's text for this error (clientv3's {@code ErrCompacted}). */
  static final String TEXT = "etcdserver: mvcc: required revision has been compacted";

  private final long compactRevision;

  WatchCompactedException(long compactRevision) {
    super(Status.Code.OUT_OF_RANGE, TEXT, null);
    this.compactRevision = compactRevision;
  }

  /** The revision the store is compacted to; the oldest a new watch can start from. */
  public long compactRevision() {
    return compactRevision;
  }

  @Override
  public String getMessage() {
    return super.getMessage() + " (compact revision " + compactRevision + ")";
  }
}
