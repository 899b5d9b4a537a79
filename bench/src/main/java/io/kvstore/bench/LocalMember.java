package io.kvstore.bench;

import io.kvstore.raft.core.Config;
import io.kvstore.raft.core.MemoryStorage;
import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.core.Ready;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.Message;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One member of a {@link LocalCluster}: a {@link RawNode} over a {@link MemoryStorage}, driven
 * as {@code RaftNode} drives it, minus the disk, the network and the state machine.
 *
 * <p>Thread-safety: not thread-safe; one thread drives the whole cluster.
 *
 * <p>Invariant: {@code appliedIndex} is the index of the last committed entry handed out by a
 * Ready, so it never exceeds the storage's last index.
 */
final class LocalMember {
  final long id;
  final RawNode node;
  private final MemoryStorage storage;
  private long appliedIndex;

  LocalMember(long id, long... voters) {
    this.id = id;
    this.storage = MemoryStorage.withVoters(voters);
    this.node = new RawNode(Config.defaults(id, new SplittableRandom(id)), storage);
  }

  /**
   * Carries out every pending Ready in the driver's order: append the entries and store the hard
   * state, hand the messages to {@code outbox}, apply the committed entries (by recording the
   * applied index: the benchmark has no state machine and no conf changes), advance.
   *
   * @return whether there was a Ready
   */
  boolean drain(Consumer<Message> outbox) {
    boolean any = false;
    while (node.hasReady()) {
      any = true;
      Ready rd = node.ready();
      storage.append(rd.entries());
      if (rd.hardState() != null) {
        storage.setHardState(rd.hardState());
      }
      rd.messages().forEach(outbox);
      List<Entry> committed = rd.committedEntries();
      if (!committed.isEmpty()) {
        appliedIndex = committed.get(committed.size() - 1).getIndex();
      }
      node.advance(rd);
    }
    return any;
  }

  long appliedIndex() {
    return appliedIndex;
  }

  /**
   * Discards applied entries so that about {@code keep} remain, once at least {@code 2 * keep}
   * are stored. Safe only while every follower is caught up, as after {@link LocalCluster#settle}.
   */
  void trimLog(long keep) {
    if (appliedIndex - storage.firstIndex() >= 2 * keep) {
      storage.compact(appliedIndex - keep);
    }
  }
}
