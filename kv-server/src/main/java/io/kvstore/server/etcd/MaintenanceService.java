package io.kvstore.server.etcd;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.AlarmRequest;
import io.kvstore.api.etcdserverpb.AlarmResponse;
import io.kvstore.api.etcdserverpb.DefragmentRequest;
import io.kvstore.api.etcdserverpb.DefragmentResponse;
import io.kvstore.api.etcdserverpb.HashKVRequest;
import io.kvstore.api.etcdserverpb.HashKVResponse;
import io.kvstore.api.etcdserverpb.HashRequest;
import io.kvstore.api.etcdserverpb.HashResponse;
import io.kvstore.api.etcdserverpb.MaintenanceGrpc;
import io.kvstore.api.etcdserverpb.MoveLeaderRequest;
import io.kvstore.api.etcdserverpb.MoveLeaderResponse;
import io.kvstore.api.etcdserverpb.SnapshotRequest;
import io.kvstore.api.etcdserverpb.SnapshotResponse;
import io.kvstore.api.etcdserverpb.StatusRequest;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.maintenance.Alarms;
import io.kvstore.server.maintenance.EtcdVersion;
import io.kvstore.server.maintenance.KeySpaceHash;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@code etcdserverpb.Maintenance}, as etcd's {@code maintenanceServer}: Status from the local Raft
 * state and backend; Alarm through Raft; Defragment, Hash and HashKV on this member's backend;
 * Snapshot streams a checkpoint of the backend with etcd's SHA-256 trailer; MoveLeader hands
 * leadership over and waits until the target leads.
 *
 * <p>Thread-safety: safe for concurrent use; slow work (defragmentation, snapshots, waits) runs on
 * {@code executor}, never on gRPC's threads.
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final long POLL_MS = 20;

  private final RaftNode raft;
  private final MvccStore store;
  private final Proposer proposer;
  private final Alarms alarms;
  private final SnapshotStreamer snapshots;
  private final Duration requestTimeout;
  private final Executor executor;

  public MaintenanceService(RaftNode raft, MvccStore store, Proposer proposer, Alarms alarms,
      SnapshotStreamer snapshots, Duration requestTimeout, Executor executor) {
    this.raft = raft;
    this.store = store;
    this.proposer = proposer;
    this.alarms = alarms;
    this.snapshots = snapshots;
    this.requestTimeout = requestTimeout;
    this.executor = executor;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    KvService.reply(CompletableFuture.supplyAsync(this::statusNow, executor), out);
  }

  private StatusResponse statusNow() {
    RaftNode.NodeStatus s = raft.status();
    long[] sizes = store.readBackend((b, rev, compacted) ->
        new long[] {b.sizeBytes(), b.sizeInUseBytes()});
    StatusResponse.Builder r = StatusResponse.newBuilder()
        .setHeader(proposer.header(store.currentRevision()))
        .setVersion(EtcdVersion.SERVER)
        .setDbSize(sizes[0])
        .setDbSizeInUse(Math.min(sizes[0], sizes[1]))
        .setLeader(s.leaderId())
        .setRaftIndex(s.commitIndex())
        .setRaftTerm(s.term())
        .setRaftAppliedIndex(s.appliedIndex())
        .setIsLearner(s.confState().getLearnersList().contains(s.id()));
    if (s.leaderId() == 0) {
      r.addErrors(EtcdStatuses.NO_LEADER.getDescription());
    }
    alarms.get(io.kvstore.api.etcdserverpb.AlarmType.NONE).forEach(a -> r.addErrors(
        "memberID:" + a.getMemberID() + " alarm:" + a.getAlarm() + " "));
    return r.build();
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    // etcd 3.4 answers alarms without a header.
    KvService.reply(proposer.propose(InternalRaftRequest.newBuilder().setAlarm(request))
        .thenApply(o -> (AlarmResponse) o), out);
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    KvService.reply(CompletableFuture.supplyAsync(() -> {
      store.readBackend((b, rev, compacted) -> {
        b.defragment();
        return null;
      });
      return DefragmentResponse.newBuilder()
          .setHeader(proposer.header(store.currentRevision())).build();
    }, executor), out);
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    KvService.reply(CompletableFuture.supplyAsync(() -> {
      int[] hash = new int[1];
      long revision = store.readBackend((b, rev, compacted) -> {
        hash[0] = b.hash();
        return rev;
      });
      return HashResponse.newBuilder().setHeader(proposer.header(revision))
          .setHash(hash[0]).build();
    }, executor), out);
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    KvService.reply(CompletableFuture.supplyAsync(() -> {
      KeySpaceHash.Result h = KeySpaceHash.hash(store, request.getRevision());
      return HashKVResponse.newBuilder().setHeader(proposer.header(h.revision()))
          .setHash(h.hash()).setCompactRevision(h.compactRevision()).build();
    }, executor), out);
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    ServerCallStreamObserver<SnapshotResponse> call =
        (ServerCallStreamObserver<SnapshotResponse>) out;
    executor.execute(() -> snapshots.stream(call,
        blob -> SnapshotResponse.newBuilder().setHeader(proposer.header(store.currentRevision()))
            .setBlob(ByteString.copyFrom(blob.bytes())).setRemainingBytes(blob.remaining())
            .build()));
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    RaftNode.NodeStatus s = raft.status();
    if (!s.isLeader()) {
      out.onError(EtcdStatuses.NOT_LEADER.asRuntimeException());
      return;
    }
    long target = request.getTargetID();
    MemberRecord member = store.readBackend((b, rev, compacted) -> b.member(target));
    if (member == null || member.learner()) {
      out.onError(EtcdStatuses.BAD_TRANSFEREE.asRuntimeException());
      return;
    }
    KvService.reply(CompletableFuture.supplyAsync(() -> {
      long deadline = System.nanoTime() + requestTimeout.toNanos();
      raft.transferLeadership(target);
      while (raft.status().leaderId() != target) {
        if (System.nanoTime() - deadline > 0) {
          throw EtcdStatuses.LEADER_TRANSFER_TIMEOUT.asRuntimeException();
        }
        sleep();
      }
      return MoveLeaderResponse.newBuilder()
          .setHeader(proposer.header(store.currentRevision())).build();
    }, executor), out);
  }

  private static void sleep() {
    try {
      TimeUnit.MILLISECONDS.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
