package io.kvstore.server.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One member's place in a test cluster: its name, data directory and ports on 127.0.0.1, and the
 * etcd-style flags that start it. Immutable.
 */
public record MemberFlags(String name, Path dataDir, int peerPort, int clientPort) {
  /** Heartbeat and election timeout short enough for quick elections, as etcd's tests use. */
  private static final List<String> TIMING =
      List.of("--heartbeat-interval", "50", "--election-timeout", "500");

  /** Member {@code name} with its data in {@code <parent>/<name>.etcd} and two fresh ports. */
  public static MemberFlags of(String name, Path parent) {
    return new MemberFlags(name, parent.resolve(name + ".etcd"), FreePorts.next(),
        FreePorts.next());
  }

  /** {@code --initial-cluster} for these members: {@code m1=http://127.0.0.1:P,...}. */
  static String initialCluster(List<MemberFlags> members) {
    return members.stream().map(m -> m.name() + "=" + m.peerUrl())
        .collect(Collectors.joining(","));
  }

  String peerUrl() {
    return "http://127.0.0.1:" + peerPort;
  }

  String clientUrl() {
    return "http://127.0.0.1:" + clientPort;
  }

  /** The flags that start this member of a new cluster made of {@code cluster}. */
  public List<String> flags(List<MemberFlags> cluster) {
    List<String> flags = new ArrayList<>(List.of(
        "--name", name,
        "--data-dir", dataDir.toString(),
        "--listen-peer-urls", peerUrl(),
        "--initial-advertise-peer-urls", peerUrl(),
        "--listen-client-urls", clientUrl(),
        "--advertise-client-urls", clientUrl(),
        "--initial-cluster", initialCluster(cluster),
        "--initial-cluster-state", "new"));
    flags.addAll(TIMING);
    return flags;
  }

  /** The flags that start this member as the only member of a new cluster. */
  List<String> soloFlags() {
    return flags(List.of(this));
  }
}
