package io.kvstore.server.apply;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.server.backend.RequestApplier;
import io.kvstore.server.maintenance.Alarms;
import io.kvstore.server.maintenance.MemberAttributesApplier;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import io.kvstore.server.pb.InternalRaftRequest;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the cluster requests of committed entries — alarms and published member attributes —
 * in one write txn with the entry's index (no revision is added: they change no key), and hands
 * every other request to the {@link KvApplier}. It is where an entry's request is decoded, once.
 *
 * <p>Thread-safety: called on the Raft apply thread only.
 */
public final class ClusterRequestApplier implements RequestApplier {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterRequestApplier.class);
  /** etcd's warnApplyDuration: applies slower than this are logged. */
  private static final long WARN_APPLY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private final MvccStore store;
  private final ApplyWaiters waiters;
  private final Alarms alarms;
  private final MemberAttributesApplier attributes;
  private final KvApplier next;

  public ClusterRequestApplier(MvccStore store, ApplyWaiters waiters, Alarms alarms,
      MemberAttributesApplier attributes, KvApplier next) {
    this.store = store;
    this.waiters = waiters;
    this.alarms = alarms;
    this.attributes = attributes;
    this.next = next;
  }

  @Override
  public void apply(long index, ByteString data) {
    long start = System.nanoTime();
    InternalRaftRequest request = applyRequest(index, data);
    long took = System.nanoTime() - start;
    if (took > WARN_APPLY_NANOS) {
      LOG.warn("apply request took too long: took {} ms, expected-duration 100 ms, index {},"
          + " request {}", TimeUnit.NANOSECONDS.toMillis(took), index,
          request.getRequestCase());
    }
  }

  private InternalRaftRequest applyRequest(long index, ByteString data) {
    InternalRaftRequest request;
    try {
      request = InternalRaftRequest.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("entry " + index + " is not a kv-server request", e);
    }
    switch (request.getRequestCase()) {
      case ALARM, MEMBER_ATTRIBUTES -> {
        WriteTxn txn = store.beginWrite();
        Object result = request.hasAlarm() ? alarms.apply(txn, request.getAlarm())
            : attributes.apply(txn, request.getMemberAttributes());
        txn.commit(index);
        alarms.committed();
        waiters.trigger(request.getId(), result);
      }
      default -> next.apply(index, request);
    }
    return request;
  }
}
