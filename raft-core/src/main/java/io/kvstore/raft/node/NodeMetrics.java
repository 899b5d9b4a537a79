package io.kvstore.raft.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A member's Raft meters, under etcd's metric names so existing dashboards work.
 *
 * <p>Thread-safety: safe for concurrent use (Micrometer meters are).
 */
final class NodeMetrics {
  final Counter leaderChanges;
  final Counter proposalsFailed;
  final Timer walFsync;
  final Counter snapshotsSaved;
  final Timer snapshotSave;

  NodeMetrics(MeterRegistry registry, Supplier<RaftNode.NodeStatus> status,
      AtomicLong pendingProposals) {
    MeterRegistry r = registry != null ? registry : new CompositeMeterRegistry();
    leaderChanges = Counter.builder("etcd_server_leader_changes_seen_total")
        .description("The number of leader changes seen.").register(r);
    proposalsFailed = Counter.builder("etcd_server_proposals_failed_total")
        .description("The total number of failed proposals seen.").register(r);
    walFsync = Timer.builder("etcd_disk_wal_fsync_duration_seconds")
        .description("The latency distributions of fsync called by WAL.")
        .publishPercentileHistogram().register(r);
    snapshotsSaved = Counter.builder("etcd_debugging_snap_save_total")
        .description("The number of snapshots saved.").register(r);
    snapshotSave = Timer.builder("etcd_debugging_snap_save_total_duration_seconds")
        .description("The total latency distributions of save called by snapshot.").register(r);
    Gauge.builder("etcd_server_has_leader", () -> status.get().leaderId() != 0 ? 1 : 0)
        .description("Whether or not a leader exists. 1 is existence, 0 is not.").register(r);
    Gauge.builder("etcd_server_is_leader", () -> status.get().isLeader() ? 1 : 0)
        .description("Whether or not this member is a leader.").register(r);
    Gauge.builder("etcd_server_proposals_committed_total", () -> status.get().commitIndex())
        .description("The total number of consensus proposals committed.").register(r);
    Gauge.builder("etcd_server_proposals_applied_total", () -> status.get().appliedIndex())
        .description("The total number of consensus proposals applied.").register(r);
    Gauge.builder("etcd_server_proposals_pending", pendingProposals, AtomicLong::get)
        .description("The current number of pending proposals to commit.").register(r);
  }
}
