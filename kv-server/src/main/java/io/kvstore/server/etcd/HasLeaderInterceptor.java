package io.kvstore.server.etcd;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.function.BooleanSupplier;

/**
 * etcd's {@code hasleader} metadata: a client that sends {@code hasleader: true} (clientv3's
 * {@code WithRequireLeader}) is refused with "etcdserver: no leader" while this member knows no
 * leader, instead of waiting for one.
 *
 * <p>Thread-safety: stateless; called concurrently by gRPC.
 */
final class HasLeaderInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> HAS_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final BooleanSupplier leaderKnown;

  HasLeaderInterceptor(BooleanSupplier leaderKnown) {
    this.leaderKnown = leaderKnown;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if ("true".equals(headers.get(HAS_LEADER)) && !leaderKnown.getAsBoolean()) {
      call.close(EtcdStatuses.NO_LEADER, new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return next.startCall(call, headers);
  }
}
