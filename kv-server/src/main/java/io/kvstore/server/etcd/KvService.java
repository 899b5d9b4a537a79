package io.kvstore.server.etcd;

import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * {@code etcdserverpb.KV} over {@link KvServer}: each call is answered when its future completes,
 * with etcd's status code and text on failure.
 *
 * <p>Thread-safety: stateless; called concurrently by gRPC.
 */
public final class KvService extends KVGrpc.KVImplBase {
  private final KvServer server;

  public KvService(KvServer server) {
    this.server = server;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    reply(server.range(request), out);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    reply(server.put(request), out);
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    reply(server.deleteRange(request), out);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    reply(server.txn(request), out);
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    reply(server.compact(request), out);
  }

  static <T> void reply(CompletableFuture<T> result, StreamObserver<T> out) {
    result.whenComplete((value, error) -> {
      if (error != null) {
        out.onError(GrpcErrors.toStatus(error).asRuntimeException());
      } else {
        out.onNext(value);
        out.onCompleted();
      }
    });
  }
}
