package io.kvstore.client;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import java.util.function.BiConsumer;

/**
 * A fake KV service whose Range and Put do what the test says; by default they answer with a
 * header naming {@code memberId}. Thread-safety: the behaviours must be thread-safe.
 */
final class FakeKv extends KVGrpc.KVImplBase {
  private final BiConsumer<RangeRequest, StreamObserver<RangeResponse>> range;
  private final BiConsumer<PutRequest, StreamObserver<PutResponse>> put;

  FakeKv(BiConsumer<RangeRequest, StreamObserver<RangeResponse>> range,
      BiConsumer<PutRequest, StreamObserver<PutResponse>> put) {
    this.range = range;
    this.put = put;
  }

  /** Answers every Range and Put with a header naming {@code memberId}. */
  static FakeKv answering(long memberId) {
    ResponseHeader header = ResponseHeader.newBuilder().setMemberId(memberId).build();
    return new FakeKv(
        (q, r) -> {
          r.onNext(RangeResponse.newBuilder().setHeader(header).build());
          r.onCompleted();
        },
        (q, r) -> {
          r.onNext(PutResponse.newBuilder().setHeader(header).build());
          r.onCompleted();
        });
  }

  /** Fails every Range and Put with {@code status}, after receiving it. */
  static FakeKv failing(Status status) {
    return new FakeKv((q, r) -> r.onError(status.asRuntimeException()),
        (q, r) -> r.onError(status.asRuntimeException()));
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> responses) {
    range.accept(request, responses);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> responses) {
    put.accept(request, responses);
  }
}
