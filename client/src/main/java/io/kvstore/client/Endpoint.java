package io.kvstore.client;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * One etcd client endpoint, as etcdctl's {@code --endpoints} takes it: {@code host:port} or
 * {@code http://host:port}, an IPv6 host in brackets. Immutable.
 *
 * @param host a host name or an IP literal, without brackets
 * @param port 1..65535
 */
record Endpoint(String host, int port) {
  Endpoint {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("endpoint host is empty");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("endpoint port " + port + " is not in 1..65535");
    }
  }

  /**
   * Parses {@code host:port}, {@code http://host:port} (a trailing {@code /} allowed); refuses
   * {@code https} (TLS is not supported yet), a missing port and anything else, naming the text.
   */
  static Endpoint parse(String text) {
    String trimmed = text.strip();
    if (trimmed.startsWith("https://")) {
      throw new IllegalArgumentException("endpoint " + text + ": TLS is not supported yet");
    }
    String url = trimmed.startsWith("http://") ? trimmed : "http://" + trimmed;
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("endpoint " + text + " is not host:port", e);
    }
    String path = uri.getRawPath();
    if (uri.getHost() == null || uri.getPort() < 0 || uri.getRawQuery() != null
        || uri.getRawFragment() != null || uri.getRawUserInfo() != null
        || (path != null && !path.isEmpty() && !path.equals("/"))) {
      throw new IllegalArgumentException("endpoint " + text + " is not host:port");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Endpoint(host, uri.getPort());
  }

  /** {@code host:port}, the host in brackets if it is an IPv6 literal. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
