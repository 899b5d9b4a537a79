package io.kvstore.client;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * gRPC's name resolution for a fixed list of etcd endpoints: target {@code
 * kvstore-endpoints:///host1:port1,host2:port2,...} resolves to one address group per endpoint,
 * so that {@code round_robin} keeps a subchannel (and a health check) per member. Registered
 * through {@code META-INF/services/io.grpc.NameResolverProvider}; found by the channel for its
 * scheme only.
 *
 * <p>Thread-safety: stateless; safe for concurrent use.
 */
public final class EndpointsNameResolverProvider extends NameResolverProvider {
  static final String SCHEME = "kvstore-endpoints";

  /** The channel target naming {@code endpoints}, in order. */
  static String target(List<Endpoint> endpoints) {
    String path = "/" + endpoints.stream().map(Endpoint::toString)
        .collect(Collectors.joining(","));
    try {
      return new URI(SCHEME, "", path, null).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot make a target of " + endpoints, e);
    }
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String path = targetUri.getPath();
    if (path == null || path.length() < 2) {
      throw new IllegalArgumentException("no endpoints in " + targetUri);
    }
    List<Endpoint> endpoints = Arrays.stream(path.substring(1).split(","))
        .map(Endpoint::parse).toList();
    return new EndpointsNameResolver(endpoints, args);
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }
}
