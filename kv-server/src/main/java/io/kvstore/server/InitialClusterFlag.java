package io.kvstore.server;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Stateless and thread-safe. The text form of {@code --initial-cluster}: comma-separated {@code
 * name=url} pairs; as in etcd, a name given twice is one member with two peer URLs.
 */
final class InitialClusterFlag {
  static final String FLAG = "--initial-cluster";

  private InitialClusterFlag() {}

  /** Members in the order first named, each with its peer URLs in the order given. */
  static Map<String, List<URI>> parse(String value) {
    Map<String, List<String>> raw = new LinkedHashMap<>();
    for (String pair : value.split(",")) {
      String trimmed = pair.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq < 0) {
        throw new ConfigException(FLAG + ": \"" + trimmed + "\" is not of the form name=url");
      }
      String name = trimmed.substring(0, eq).trim();
      if (name.isEmpty()) {
        throw new ConfigException(FLAG + ": \"" + trimmed + "\" has an empty member name");
      }
      raw.computeIfAbsent(name, n -> new ArrayList<>()).add(trimmed.substring(eq + 1));
    }
    Map<String, List<URI>> members = new LinkedHashMap<>();
    raw.forEach((name, urls) -> members.put(name, HttpUrls.parse(FLAG, urls)));
    return members;
  }

  /** The members as etcd prints a cluster: sorted {@code name=url} pairs, comma-separated. */
  static String format(Map<String, List<URI>> members) {
    return members.entrySet().stream()
        .flatMap(member -> member.getValue().stream().map(url -> member.getKey() + "=" + url))
        .sorted()
        .collect(Collectors.joining(","));
  }
}
