package io.kvstore.client;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;

/**
 * etcd's Watch service, one gRPC stream per watch, sent with {@code hasleader: true} as
 * clientv3 does, so a member cut off from its leader refuses it and the watch moves on to another.
 *
 * <p>Thread-safety: safe for concurrent use; no method blocks.
 */
public final class Watch {
  private final ClientContext context;

  Watch(ClientContext context) {
    this.context = context;
  }

  /**
   * Starts a watch as {@code request} describes (key, range, start revision, filters, {@code
   * prev_kv}, {@code progress_notify}, {@code fragment}) and returns at once.
   *
   * <p>{@code observer.onNext} gets, on the client's executor and one at a time, each response
   * with events (fragments already joined), in revision order, each event once, and each progress
   * notification (a response without events); never the {@code created} responses. When a stream
   * breaks or its member stops serving it, the watch is opened again on the member the balancer
   * picks, from the revision after the last one delivered, so no event is skipped or repeated.
   * {@code observer.onError} ends it: {@link WatchCompactedException} if that revision is
   * compacted, {@link EtcdException} if a server cancels it (the reason as sent), or {@link
   * KvClientException} when the client is closed. {@code onCompleted} follows {@link
   * WatchHandle#cancel}. The observer must not throw.
   */
  public WatchHandle watch(WatchCreateRequest request, StreamObserver<WatchResponse> observer) {
    ResumingWatch watch = new ResumingWatch(context, request, observer);
    watch.open();
    return watch;
  }
}
