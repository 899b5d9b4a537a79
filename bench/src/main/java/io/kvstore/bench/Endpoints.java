package io.kvstore.bench;

import java.net.InetSocketAddress;

/** Parses {@code host:port} or {@code http://host:port} endpoints. Stateless. */
final class Endpoints {
  private Endpoints() {}

  static InetSocketAddress parse(String endpoint) {
    String e = endpoint.trim();
    if (e.startsWith("http://")) {
      e = e.substring("http://".length());
    } else if (e.contains("://")) {
      throw new LoadOptions.InvalidOptionException("--endpoints: only plain http endpoints are"
          + " supported, not '" + endpoint + "'");
    }
    if (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    int colon = e.lastIndexOf(':');
    if (colon <= 0 || colon == e.length() - 1) {
      throw new LoadOptions.InvalidOptionException("--endpoints: '" + endpoint
          + "' is not host:port");
    }
    int port;
    try {
      port = Integer.parseInt(e.substring(colon + 1));
    } catch (NumberFormatException ex) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new LoadOptions.InvalidOptionException("--endpoints: '" + endpoint
          + "' has no valid port");
    }
    return InetSocketAddress.createUnresolved(e.substring(0, colon), port);
  }
}
