package io.kvstore.client;

import io.kvstore.api.etcdserverpb.ClusterGrpc;
import io.kvstore.api.etcdserverpb.MemberAddRequest;
import io.kvstore.api.etcdserverpb.MemberAddResponse;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.MemberListResponse;
import io.kvstore.api.etcdserverpb.MemberPromoteRequest;
import io.kvstore.api.etcdserverpb.MemberPromoteResponse;
import io.kvstore.api.etcdserverpb.MemberRemoveRequest;
import io.kvstore.api.etcdserverpb.MemberRemoveResponse;
import io.kvstore.api.etcdserverpb.MemberUpdateRequest;
import io.kvstore.api.etcdserverpb.MemberUpdateResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Cluster service: {@link #list} is retried on another member when one is unavailable;
 * the membership changes follow the write rules of {@link Kv}.
 *
 * <p>Thread-safety: safe for concurrent use; no method blocks.
 */
public final class Cluster {
  private final UnaryCalls calls;

  Cluster(UnaryCalls calls) {
    this.calls = calls;
  }

  public CompletableFuture<MemberListResponse> list(MemberListRequest request) {
    return calls.read(ClusterGrpc.getMemberListMethod(), request);
  }

  public CompletableFuture<MemberAddResponse> add(MemberAddRequest request) {
    return calls.write(ClusterGrpc.getMemberAddMethod(), request);
  }

  public CompletableFuture<MemberRemoveResponse> remove(MemberRemoveRequest request) {
    return calls.write(ClusterGrpc.getMemberRemoveMethod(), request);
  }

  public CompletableFuture<MemberUpdateResponse> update(MemberUpdateRequest request) {
    return calls.write(ClusterGrpc.getMemberUpdateMethod(), request);
  }

  public CompletableFuture<MemberPromoteResponse> promote(MemberPromoteRequest request) {
    return calls.write(ClusterGrpc.getMemberPromoteMethod(), request);
  }
}
