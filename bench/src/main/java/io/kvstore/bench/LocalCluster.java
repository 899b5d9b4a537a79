package io.kvstore.bench;

import io.kvstore.raft.pb.Message;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Raft members in one thread, with messages delivered synchronously and in order (as objects,
 * never serialized), no clock and no losses: the Raft core's own cost, nothing else.
 *
 * <p>Thread-safety: not thread-safe; one thread drives it.
 *
 * <p>Invariant: after {@link #settle} no member has a Ready and no message is in flight.
 */
final class LocalCluster {
  private final Map<Long, LocalMember> members = new LinkedHashMap<>();
  private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
  private final LocalMember leader;

  private LocalCluster(long... ids) {
    for (long id : ids) {
      members.put(id, new LocalMember(id, ids));
    }
    leader = members.get(ids[0]);
  }

  /** Members {@code 1..size}, all voters, member 1 elected and its term's first entry applied. */
  static LocalCluster elected(int size) {
    long[] ids = new long[size];
    for (int i = 0; i < size; i++) {
      ids[i] = i + 1;
    }
    LocalCluster cluster = new LocalCluster(ids);
    cluster.leader.node.campaign();
    cluster.settle();
    cluster.checkConverged();
    return cluster;
  }

  LocalMember leader() {
    return leader;
  }

  /** Carries out Readys and delivers messages until the cluster is quiet. */
  void settle() {
    boolean busy = true;
    while (busy) {
      busy = false;
      for (LocalMember m : members.values()) {
        busy |= m.drain(inFlight::add);
      }
      for (Message msg = inFlight.poll(); msg != null; msg = inFlight.poll()) {
        members.get(msg.getTo()).node.step(msg);
        busy = true;
      }
    }
  }

  /** Keeps about {@code keep} applied entries per member; see {@link LocalMember#trimLog}. */
  void trimLogs(long keep) {
    members.values().forEach(m -> m.trimLog(keep));
  }

  /**
   * Throws {@link IllegalStateException} unless the first member still leads and every member
   * applied everything the leader appended.
   */
  void checkConverged() {
    if (!leader.node.isLeader()) {
      throw new IllegalStateException("member " + leader.id + " is not the leader");
    }
    long last = leader.node.lastIndex();
    for (LocalMember m : members.values()) {
      if (m.appliedIndex() != last) {
        throw new IllegalStateException(
            "member " + m.id + " applied " + m.appliedIndex() + ", the leader's log ends at "
                + last);
      }
    }
  }
}
