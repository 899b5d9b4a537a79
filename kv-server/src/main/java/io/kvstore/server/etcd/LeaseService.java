package io.kvstore.server.etcd;

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
 * {@code etcdserverpb.Lease} over {@link LeaseServer}, as etcd's {@code v3rpc.LeaseServer}: unary
 * calls answer when their future completes; a keep-alive stream answers its requests one at a
 * time, in order, each with a header made before the renewal and TTL 0 for an unknown lease; any
 * other failure ends the stream with etcd's status.
 *
 * <p>Thread-safety: stateless apart from each stream's own chain of renewals; called
 * concurrently by gRPC.
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final LeaseServer server;

  public LeaseService(LeaseServer server) {
    this.server = server;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    KvService.reply(server.grant(request), out);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    KvService.reply(server.revoke(request), out);
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request,
      StreamObserver<LeaseTimeToLiveResponse> out) {
    KvService.reply(server.timeToLive(request), out);
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
    KvService.reply(CompletableFuture.completedFuture(server.leases()), out);
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    return new KeepAliveStream(out);
  }

  /**
   * One keep-alive stream. Thread-safety: gRPC calls the observer methods serially; the
   * renewals run one after another on the chain {@link #tail}, which alone writes to {@code
   * out}.
   */
  private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
    private final StreamObserver<LeaseKeepAliveResponse> out;
    /** Completes when every request received so far is answered; false once the stream failed. */
    private CompletableFuture<Boolean> tail = CompletableFuture.completedFuture(true);

    KeepAliveStream(StreamObserver<LeaseKeepAliveResponse> out) {
      this.out = out;
    }

    @Override
    public void onNext(LeaseKeepAliveRequest request) {
      tail = tail.thenCompose(open -> open ? answer(request)
          : CompletableFuture.completedFuture(false));
    }

    private CompletableFuture<Boolean> answer(LeaseKeepAliveRequest request) {
      LeaseKeepAliveResponse.Builder resp = LeaseKeepAliveResponse.newBuilder()
          .setHeader(server.currentHeader()).setID(request.getID());
      return server.renew(request.getID()).handle((ttl, error) -> {
        if (error != null) {
          out.onError(GrpcErrors.toStatus(error).asRuntimeException());
          return false;
        }
        out.onNext(resp.setTTL(ttl).build());
        return true;
      });
    }

    @Override
    public void onError(Throwable t) {
      tail = tail.thenApply(open -> false);
    }

    @Override
    public void onCompleted() {
      tail = tail.thenApply(open -> {
        if (open) {
          out.onCompleted();
        }
        return false;
      });
    }
  }
}
