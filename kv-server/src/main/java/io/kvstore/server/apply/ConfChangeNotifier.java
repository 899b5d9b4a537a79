package io.kvstore.server.apply;

import io.grpc.Status;
import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.node.StateMachine;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotWriter;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.etcd.EtcdStatuses;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongFunction;

/**
 * A {@link StateMachine} that tells the waiters of membership changes proposed on this member
 * when their conf change is applied here, recognising it by {@code ConfChange.id} (the change may
 * have been forwarded to the leader, so its log index is unknown to the proposer); everything
 * else goes to the wrapped state machine unchanged.
 *
 * <p>Thread-safety: as the wrapped state machine: called by one thread at a time, in log order.
 */
public final class ConfChangeNotifier implements StateMachine {
  private final StateMachine next;
  private final ApplyWaiters waiters;
  private final LongFunction<MemberRecord> members;

  /**
   * @param members the applied member list, read before each change is applied so that a change
   *     that became invalid while it was in flight (a second removal of the same member, say) is
   *     reported with etcd's error — it is applied everywhere as the no-op it is
   */
  public ConfChangeNotifier(StateMachine next, ApplyWaiters waiters,
      LongFunction<MemberRecord> members) {
    this.next = next;
    this.waiters = waiters;
    this.members = members;
  }

  @Override
  public long appliedIndex() {
    return next.appliedIndex();
  }

  @Override
  public Object apply(Entry entry) {
    if (entry.getType() != EntryType.ENTRY_CONF_CHANGE) {
      return next.apply(entry);
    }
    ConfChange cc = RawNode.confChangeOf(entry);
    Status refusal = refusal(cc);
    Object result = next.apply(entry);
    if (cc.getId() != 0) {
      if (refusal != null) {
        waiters.fail(cc.getId(), refusal.asRuntimeException());
      } else {
        waiters.trigger(cc.getId(), result);
      }
    }
    return result;
  }

  /** etcd's apply-time check of a membership change against the applied member list. */
  private Status refusal(ConfChange cc) {
    MemberRecord member = members.apply(cc.getNodeId());
    return switch (cc.getType()) {
      case CONF_CHANGE_REMOVE_NODE -> member == null ? EtcdStatuses.MEMBER_NOT_FOUND : null;
      case CONF_CHANGE_PROMOTE_LEARNER -> member == null ? EtcdStatuses.MEMBER_NOT_FOUND
          : member.learner() ? null : EtcdStatuses.NOT_LEARNER;
      default -> null;
    };
  }

  @Override
  public SnapshotWriter snapshot() throws IOException {
    return next.snapshot();
  }

  @Override
  public void restore(SnapshotMetadata metadata, InputStream data) throws IOException {
    next.restore(metadata, data);
  }
}
