package io.kvstore.client;

import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseLeasesRequest;
import io.kvstore.api.etcdserverpb.LeaseLeasesResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeResponse;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lease service. {@link #timeToLive}, {@link #leases} and {@link #keepAliveOnce} (a
 * refresh, idempotent) are retried on another member when one is unavailable; {@link #grant} and
 * {@link #revoke} follow the write rules of {@link Kv}. A lease the server does not know fails
 * with {@link EtcdException} "etcdserver: requested lease not found".
 *
 * <p>Thread-safety: safe for concurrent use; no method blocks.
 */
public final class Lease {
  /** etcd's text for an unknown or expired lease (rpctypes {@code ErrLeaseNotFound}). */
  static final String NOT_FOUND = "etcdserver: requested lease not found";

  private final ClientContext context;
  private final UnaryCalls calls;

  Lease(ClientContext context, UnaryCalls calls) {
    this.context = context;
    this.calls = calls;
  }

  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest request) {
    return calls.write(LeaseGrpc.getLeaseGrantMethod(), request);
  }

  public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest request) {
    return calls.write(LeaseGrpc.getLeaseRevokeMethod(), request);
  }

  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest request) {
    return calls.read(LeaseGrpc.getLeaseTimeToLiveMethod(), request);
  }

  public CompletableFuture<LeaseLeasesResponse> leases(LeaseLeasesRequest request) {
    return calls.read(LeaseGrpc.getLeaseLeasesMethod(), request);
  }

  /**
   * Refreshes lease {@code id} once, on a keep-alive stream of its own that ends with the answer
   * (as clientv3's {@code KeepAliveOnce}); a TTL of zero or less, etcd's answer for an unknown
   * lease, fails the future with {@link EtcdException} {@value #NOT_FOUND}.
   */
  public CompletableFuture<LeaseKeepAliveResponse> keepAliveOnce(long id) {
    CompletableFuture<LeaseKeepAliveResponse> result = new CompletableFuture<>();
    ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call = context.channel()
        .newCall(LeaseGrpc.getLeaseKeepAliveMethod(), context.options(context.newDeadline()));
    StreamObserver<LeaseKeepAliveRequest> requests =
        ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse response) {
            if (response.getTTL() <= 0) {
              result.completeExceptionally(
                  new EtcdException(Status.Code.NOT_FOUND, NOT_FOUND, null));
            } else {
              result.complete(response);
            }
            call.cancel("answered", null);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(Failures.definite(Status.fromThrowable(t)));
          }

          @Override
          public void onCompleted() {
            result.completeExceptionally(new KvClientException(Status.Code.INTERNAL,
                "the keep-alive stream ended without a response", null));
          }
        });
    requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    requests.onCompleted();
    return result;
  }

  /**
   * Keeps lease {@code id} alive until the handle is closed: refreshes it now and then every third
   * of the TTL the server grants, each time with {@link #keepAliveOnce} (so every refresh goes to a
   * healthy member), and hands each response to {@code responses} on the client's executor.
   * Failed refreshes are retried with backoff while they may succeed; the observer's {@code
   * onError} ends it for good (lease not found, a definite error, the client closed), {@code
   * onCompleted} when the handle is closed.
   */
  public LeaseKeepAlive keepAlive(long id, StreamObserver<LeaseKeepAliveResponse> responses) {
    LeaseKeepAlive keepAlive = new LeaseKeepAlive(this, context, id, responses);
    keepAlive.start();
    return keepAlive;
  }
}
