package io.kvstore.client;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Resolves a fixed list of endpoints to one {@link EquivalentAddressGroup} per endpoint (all the
 * addresses of its host), again on every {@link #refresh}, which gRPC asks for when connections
 * fail. Host names are looked up on the channel's offload executor; an endpoint whose host cannot
 * be resolved is left out of that round, and if none resolves the channel is told so.
 *
 * <p>Thread-safety: gRPC calls {@link #start}, {@link #refresh} and {@link #shutdown} from its
 * synchronization context; results are handed back through that context.
 */
final class EndpointsNameResolver extends NameResolver {
  private final List<Endpoint> endpoints;
  private final SynchronizationContext syncContext;
  private final Executor offload;
  /** Set by {@link #start}, cleared by {@link #shutdown}; used in the sync context only. */
  private Listener2 listener;

  EndpointsNameResolver(List<Endpoint> endpoints, Args args) {
    this.endpoints = List.copyOf(endpoints);
    this.syncContext = args.getSynchronizationContext();
    Executor executor = args.getOffloadExecutor();
    this.offload = executor != null ? executor : Runnable::run;
  }

  @Override
  public String getServiceAuthority() {
    return endpoints.get(0).toString();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    resolve();
  }

  @Override
  public void refresh() {
    resolve();
  }

  @Override
  public void shutdown() {
    listener = null;
  }

  private void resolve() {
    offload.execute(() -> {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      for (Endpoint e : endpoints) {
        try {
          List<SocketAddress> addresses = Arrays.stream(InetAddress.getAllByName(e.host()))
              .map(a -> (SocketAddress) new InetSocketAddress(a, e.port())).toList();
          groups.add(new EquivalentAddressGroup(addresses));
        } catch (UnknownHostException ex) {
          failures.add(e + " (" + ex.getMessage() + ")");
        }
      }
      syncContext.execute(() -> deliver(groups, failures));
    });
  }

  private void deliver(List<EquivalentAddressGroup> groups, List<String> failures) {
    if (listener == null) {
      return;
    }
    if (groups.isEmpty()) {
      listener.onError(Status.UNAVAILABLE.withDescription("cannot resolve " + failures));
    } else {
      listener.onResult(ResolutionResult.newBuilder()
          .setAddressesOrError(StatusOr.fromValue(groups)).build());
    }
  }
}
