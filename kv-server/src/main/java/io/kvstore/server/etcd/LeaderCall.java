package io.kvstore.server.etcd;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.util.function.Function;

/**
 * Forwards one call to the leader's client URL, for the few requests etcd answers on the leader
 * only (MemberPromote, LeaseTimeToLive). A channel per call: these are rare. Blocking, so callers
 * run it on the member's executor, never on a gRPC event loop. Stateless.
 */
final class LeaderCall {
  private LeaderCall() {}

  static <T> T call(URI leader, Function<ManagedChannel, T> call) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(leader.getHost(), leader.getPort())
        .usePlaintext().build();
    try {
      return call.apply(channel);
    } finally {
      channel.shutdownNow();
    }
  }
}
