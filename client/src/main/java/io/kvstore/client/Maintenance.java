package io.kvstore.client;

import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * etcd's Maintenance service. {@link #status}, {@link #hash} and {@link #hashKv} are retried on
 * another member when one is unavailable; {@link #alarm}, {@link #defragment} and {@link
 * #moveLeader} follow the write rules of {@link Kv}. These calls go to whichever member the
 * balancer picks; etcd answers most of them for the member that serves the call.
 *
 * <p>Thread-safety: safe for concurrent use; no method blocks.
 */
public final class Maintenance {
  private final ClientContext context;
  private final UnaryCalls calls;

  Maintenance(ClientContext context, UnaryCalls calls) {
    this.context = context;
    this.calls = calls;
  }

  public CompletableFuture<StatusResponse> status(StatusRequest request) {
    return calls.read(MaintenanceGrpc.getStatusMethod(), request);
  }

  public CompletableFuture<HashResponse> hash(HashRequest request) {
    return calls.read(MaintenanceGrpc.getHashMethod(), request);
  }

  public CompletableFuture<HashKVResponse> hashKv(HashKVRequest request) {
    return calls.read(MaintenanceGrpc.getHashKVMethod(), request);
  }

  public CompletableFuture<AlarmResponse> alarm(AlarmRequest request) {
    return calls.write(MaintenanceGrpc.getAlarmMethod(), request);
  }

  public CompletableFuture<DefragmentResponse> defragment(DefragmentRequest request) {
    return calls.write(MaintenanceGrpc.getDefragmentMethod(), request);
  }

  public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
    return calls.write(MaintenanceGrpc.getMoveLeaderMethod(), request);
  }

  /**
   * Streams a snapshot of one member's backend: {@code chunks} gets every response in order, on
   * the client's executor, and must not block long; the future completes after the last one, or
   * fails (not retried: a partial snapshot cannot be resumed) if the stream breaks or {@code
   * timeout} passes.
   */
  public CompletableFuture<Void> snapshot(Consumer<SnapshotResponse> chunks, Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
    ClientCalls.asyncServerStreamingCall(
        context.channel().newCall(MaintenanceGrpc.getSnapshotMethod(), context.options(deadline)),
        SnapshotRequest.getDefaultInstance(), new StreamObserver<>() {
          @Override
          public void onNext(SnapshotResponse chunk) {
            chunks.accept(chunk);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(Failures.definite(Status.fromThrowable(t)));
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    return done;
  }
}
