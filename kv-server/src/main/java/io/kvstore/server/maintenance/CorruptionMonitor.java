package io.kvstore.server.maintenance;

import io.kvstore.api.etcdserverpb.AlarmRequest;
import io.kvstore.api.etcdserverpb.AlarmType;
import io.kvstore.api.etcdserverpb.HashKVResponse;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.server.MemberIds;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's periodic corruption check ({@code --experimental-corrupt-check-time}): while this member
 * leads, it hashes its key space at its current revision and asks every other member for
 * HashKV at that revision; a member whose hash differs at the same compacted revision gets the
 * CORRUPT alarm, raised through Raft, after which every member refuses writes with "etcdserver:
 * corrupt cluster". A member that cannot answer (down, behind, compacted differently) is skipped
 * until the next pass.
 *
 * <p>Thread-safety: one daemon thread runs the passes; {@link #close} from any thread.
 */
public final class CorruptionMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CorruptionMonitor.class);

  private final long selfId;
  private final RaftNode node;
  private final MvccStore store;
  private final Alarms alarms;
  private final Function<InternalRaftRequest.Builder, CompletableFuture<Object>> propose;
  private final ScheduledExecutorService thread;

  private CorruptionMonitor(long selfId, RaftNode node, MvccStore store, Alarms alarms,
      Function<InternalRaftRequest.Builder, CompletableFuture<Object>> propose) {
    this.selfId = selfId;
    this.node = node;
    this.store = store;
    this.alarms = alarms;
    this.propose = propose;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kv-server-corrupt-check");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts a pass every {@code period}; a zero period starts nothing (etcd's default). */
  public static AutoCloseable start(Duration period, long selfId, RaftNode node, MvccStore store,
      Alarms alarms, Function<InternalRaftRequest.Builder, CompletableFuture<Object>> propose) {
    if (period.isZero()) {
      return () -> { };
    }
    CorruptionMonitor monitor = new CorruptionMonitor(selfId, node, store, alarms, propose);
    long nanos = period.toNanos();
    monitor.thread.scheduleWithFixedDelay(monitor::passSafely, nanos, nanos,
        TimeUnit.NANOSECONDS);
    LOG.info("enabled corruption checking with {} ms period", period.toMillis());
    return monitor;
  }

  private void passSafely() {
    try {
      pass();
    } catch (RuntimeException e) {
      LOG.warn("corruption check pass failed: {}", e.toString());
    }
  }

  private void pass() {
    if (!node.status().isLeader()) {
      return;
    }
    KeySpaceHash.Result mine = KeySpaceHash.hash(store, 0);
    PeerHashes.at(store, selfId, mine.revision()).forEach((id, answer) -> {
      HashKVResponse peer = answer.hash();
      if (peer == null) {
        LOG.debug("cannot compare hashes with {}: {}", MemberIds.format(id),
            answer.failure().getStatus());
        return;
      }
      if (peer.getCompactRevision() == mine.compactRevision() && peer.getHash() != mine.hash()) {
        LOG.error("found data inconsistency with peers: member {} has hash {} at revision {}"
            + " (compacted {}), this leader has {}", MemberIds.format(id),
            Integer.toUnsignedString(peer.getHash()), mine.revision(), mine.compactRevision(),
            Integer.toUnsignedString(mine.hash()));
        raiseCorrupt(id);
      }
    });
  }

  private void raiseCorrupt(long memberId) {
    boolean raised = alarms.get(AlarmType.CORRUPT).stream()
        .anyMatch(a -> a.getMemberID() == memberId);
    if (raised) {
      return;
    }
    propose.apply(InternalRaftRequest.newBuilder().setAlarm(AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(memberId)
        .setAlarm(AlarmType.CORRUPT)));
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
