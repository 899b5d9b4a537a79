package io.kvstore.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.WatchGrpc;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code conns} plain gRPC channels, channel {@code i} to endpoint {@code i mod endpoints} (as
 * etcd's benchmark dials), with raw stubs: no retries, no balancing, no health checks, so every
 * request the tool times is exactly one RPC. Callbacks run on the channels' Netty event loops
 * (direct executor): the next request of a client is issued from the completion of the previous
 * one without a thread hand-off. Thread-safe; close after use.
 */
final class Connections implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<KVGrpc.KVStub> kv = new ArrayList<>();
  private final List<WatchGrpc.WatchStub> watch = new ArrayList<>();
  private final List<LeaseGrpc.LeaseStub> lease = new ArrayList<>();

  Connections(List<String> endpoints, int conns) {
    for (int i = 0; i < conns; i++) {
      InetSocketAddress a = Endpoints.parse(endpoints.get(i % endpoints.size()));
      ManagedChannel ch = NettyChannelBuilder.forAddress(a.getHostString(), a.getPort())
          .usePlaintext()
          .directExecutor()
          .disableRetry()
          .maxInboundMessageSize(64 << 20)
          .build();
      channels.add(ch);
      kv.add(KVGrpc.newStub(ch));
      watch.add(WatchGrpc.newStub(ch));
      lease.add(LeaseGrpc.newStub(ch));
    }
  }

  int size() {
    return channels.size();
  }

  /** The KV stub of the connection client {@code client} uses. */
  KVGrpc.KVStub kv(int client) {
    return kv.get(client % kv.size());
  }

  WatchGrpc.WatchStub watch(int i) {
    return watch.get(i % watch.size());
  }

  /** The channel of connection {@code i mod size}, for blocking setup calls. */
  ManagedChannel channel(int i) {
    return channels.get(i % channels.size());
  }

  LeaseGrpc.LeaseStub lease(int client) {
    return lease.get(client % lease.size());
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel ch : channels) {
      try {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
