package io.kvstore.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Stateless and thread-safe. Reads and checks the URL flags, which take only {@code
 * http://host:port} (no TLS yet, no path), with etcd's texts for the rules etcd shares.
 */
final class HttpUrls {
  private static final String FORM = "URL must have the form http://host:port";

  private HttpUrls() {}

  /** Parses the values of {@code flag}; checks syntax only, {@link #check} checks the form. */
  static List<URI> parse(String flag, List<String> values) {
    List<URI> urls = new ArrayList<>(values.size());
    for (String value : values) {
      String trimmed = value.trim();
      if (trimmed.isEmpty()) {
        throw new ConfigException(flag + ": empty URL in \"" + String.join(",", values) + "\"");
      }
      if (!trimmed.contains("://")) {
        throw new ConfigException(flag + ": " + FORM + ": " + trimmed);
      }
      try {
        urls.add(new URI(trimmed));
      } catch (URISyntaxException e) {
        throw new ConfigException(flag + ": invalid URL \"" + trimmed + "\": " + e.getReason());
      }
    }
    return urls;
  }

  /** Throws unless every URL has the form {@code http://host:port}. */
  static void checkAll(String flag, List<URI> urls) {
    if (urls.isEmpty()) {
      throw new ConfigException(flag + " must not be empty");
    }
    urls.forEach(url -> check(flag, url));
  }

  private static void check(String flag, URI url) {
    if ("https".equals(url.getScheme())) {
      throw new ConfigException(
          flag + ": TLS is not supported yet, use http instead of https: " + url);
    }
    if (!"http".equals(url.getScheme())) {
      throw new ConfigException(flag + ": URL scheme must be http: " + url);
    }
    if (url.getHost() == null || url.getPort() == -1) {
      throw new ConfigException(
          flag + ": URL address does not have the form \"host:port\": " + url);
    }
    if (url.getRawPath() != null && !url.getRawPath().isEmpty()) {
      throw new ConfigException(flag + ": URL must not contain a path: " + url);
    }
    if (url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
      throw new ConfigException(flag + ": " + FORM + ": " + url);
    }
  }

  /** The URLs sorted and comma-separated, as etcd prints them in its messages. */
  static String join(Collection<URI> urls) {
    return urls.stream().map(URI::toString).sorted().collect(Collectors.joining(","));
  }
}
