package io.kvstore.server.lease;

import io.kvstore.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.server.pb.InternalRaftRequest;
import io.kvstore.server.pb.LeaseExpire;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the {@link Lessor}'s primary role from the Raft state, every 500 ms as etcd's lessor
 * loop: when this member leads a new term it waits for a ReadIndex — which completes only once
 * the leader has committed an entry of its term and applied everything before it, etcd's "applied
 * all entries from the last term" — then promotes the lessor; when it stops leading it demotes
 * it. While primary it proposes the revocation of expired leases ({@code LeaseExpire}, etcd's
 * {@code revokeExpiredLeases}) and the due checkpoints ({@code LeaseCheckpointRequest}), each
 * time after a ReadIndex confirms it still leads, and through {@link Proposals} that never
 * forward to another leader (a paused ex-leader must not revoke what the new one renewed).
 *
 * <p>Thread-safety: all work runs on one scheduler thread; {@link #close} from any thread.
 */
public final class LeaseExpiryLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseExpiryLoop.class);
  private static final Duration PERIOD = Duration.ofMillis(500);

  private final Lessor lessor;
  private final RaftNode raft;
  private final Proposals proposals;
  private final ScheduledExecutorService executor;
  /** Scheduler thread only: the term the lessor was promoted in; 0 when not primary. */
  private long promotedTerm;
  /** Scheduler thread only: the term a promotion waits on a ReadIndex for; 0 if none. */
  private long promotingTerm;

  private LeaseExpiryLoop(Lessor lessor, RaftNode raft, Proposals proposals) {
    this.lessor = lessor;
    this.raft = raft;
    this.proposals = proposals;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lessor-" + Long.toHexString(raft.status().id()));
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the loop. */
  public static LeaseExpiryLoop start(Lessor lessor, RaftNode raft, Proposals proposals) {
    LeaseExpiryLoop loop = new LeaseExpiryLoop(lessor, raft, proposals);
    loop.executor.scheduleWithFixedDelay(loop::tickSafely, 0, PERIOD.toMillis(),
        TimeUnit.MILLISECONDS);
    return loop;
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("lease expiry loop failed; retrying: {}", e.toString());
    }
  }

  private void tick() {
    RaftNode.NodeStatus status = raft.status();
    if (!status.isLeader() || status.term() != promotedTerm) {
      if (lessor.isPrimary()) {
        lessor.demote();
        LOG.info("lessor demoted (term {})", status.term());
      }
      promotedTerm = 0;
      if (status.isLeader() && promotingTerm != status.term()) {
        long term = status.term();
        promotingTerm = term;
        raft.readIndex().whenCompleteAsync((index, error) -> promoteIfStillLeading(term, error),
            executor);
      }
      return;
    }
    Lessor.DueWork work = lessor.dueWork();
    if (work.expired().isEmpty() && work.checkpoints().isEmpty()) {
      return;
    }
    // etcd 3.5's ensureLeadership: a leader paused or cut off may not know it was deposed, and
    // its lessor then missed the renewals the new leader served. Confirm, then propose as leader
    // only, so that a stale decision is never forwarded to the new leader.
    long term = promotedTerm;
    raft.readIndex().whenCompleteAsync((index, error) -> {
      RaftNode.NodeStatus now = raft.status();
      if (error == null && now.isLeader() && now.term() == term && promotedTerm == term) {
        proposeDue(work);
      }
    }, executor);
  }

  private void proposeDue(Lessor.DueWork work) {
    for (LeaseExpire expire : work.expired()) {
      proposals.propose(InternalRaftRequest.newBuilder().setLeaseExpire(expire))
          .exceptionally(e -> {
            LOG.debug("revocation of expired lease {} not applied: {}",
                Long.toHexString(expire.getId()), e.toString());
            return null;
          });
    }
    if (!work.checkpoints().isEmpty()) {
      proposals.propose(InternalRaftRequest.newBuilder().setLeaseCheckpoint(
          LeaseCheckpointRequest.newBuilder().addAllCheckpoints(work.checkpoints())))
          .exceptionally(e -> null);
    }
  }

  private void promoteIfStillLeading(long term, Throwable error) {
    promotingTerm = 0;
    RaftNode.NodeStatus status = raft.status();
    if (error == null && status.isLeader() && status.term() == term) {
      lessor.promote();
      promotedTerm = term;
      LOG.info("lessor promoted (term {})", term);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
