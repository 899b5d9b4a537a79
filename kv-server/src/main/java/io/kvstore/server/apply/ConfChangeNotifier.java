package io.kvstore.server.apply;

import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.node.StateMachine;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;

/**
 * A {@link StateMachine} that tells the waiters of membership changes proposed on this member
 * when their conf change is applied here, recognising it by {@code ConfChange.id} (the change may
 * have been forwarded to the leader, so its log index is unknown to the proposer); everything
 * else goes to the wrapped state machine unchanged.
 *
 * <p>Thread-safety: as the wrapped state machine: called on the Raft loop.
 */
public final class ConfChangeNotifier implements StateMachine {
  private final StateMachine next;
  private final ApplyWaiters waiters;

  public ConfChangeNotifier(StateMachine next, ApplyWaiters waiters) {
    this.next = next;
    this.waiters = waiters;
  }

  @Override
  public long appliedIndex() {
    return next.appliedIndex();
  }

  @Override
  public Object apply(Entry entry) {
    Object result = next.apply(entry);
    if (entry.getType() == EntryType.ENTRY_CONF_CHANGE) {
      long id = RawNode.confChangeOf(entry).getId();
      if (id != 0) {
        waiters.trigger(id, result);
      }
    }
    return result;
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
