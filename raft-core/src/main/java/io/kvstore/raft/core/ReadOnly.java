package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The leader's pending ReadIndex requests (Raft §6.4): each waits for a quorum of heartbeat acks
 * carrying its context, which proves the leader still led when the read arrived.
 *
 * <p>Thread-safety: not thread-safe; owned by the Raft core's thread.
 *
 * <p>Invariant: {@code queue} holds exactly the keys of {@code pending}, in arrival order.
 */
final class ReadOnly {
  /** One pending read: the request, the commit index when it arrived, who has acked it. */
  static final class Status {
    final Message request;
    final long index;
    final Map<Long, Boolean> acks = new HashMap<>();

    Status(Message request, long index) {
      this.request = request;
      this.index = index;
    }
  }

  private final Map<ByteString, Status> pending = new HashMap<>();
  private final ArrayDeque<ByteString> queue = new ArrayDeque<>();

  void addRequest(long index, Message m) {
    ByteString ctx = m.getEntries(0).getData();
    if (pending.containsKey(ctx)) {
      return;
    }
    pending.put(ctx, new Status(m, index));
    queue.addLast(ctx);
  }

  /** Records {@code id}'s ack of {@code ctx}; returns the acks so far, or null if unknown. */
  Map<Long, Boolean> recvAck(long id, ByteString ctx) {
    Status s = pending.get(ctx);
    if (s == null) {
      return null;
    }
    s.acks.put(id, true);
    return s.acks;
  }

  /**
   * Releases the request with context {@code ctx} and every request queued before it (a quorum
   * ack of a later heartbeat round confirms the earlier ones too).
   */
  List<Status> advance(ByteString ctx) {
    if (!pending.containsKey(ctx)) {
      return List.of();
    }
    List<Status> released = new ArrayList<>();
    while (!queue.isEmpty()) {
      ByteString head = queue.pollFirst();
      released.add(pending.remove(head));
      if (head.equals(ctx)) {
        break;
      }
    }
    return released;
  }

  ByteString lastPendingRequestContext() {
    return queue.isEmpty() ? ByteString.EMPTY : queue.peekLast();
  }

  int pendingCount() {
    return queue.size();
  }
}
