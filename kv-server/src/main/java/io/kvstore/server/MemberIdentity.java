package io.kvstore.server;

import io.kvstore.raft.transport.ClusterProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Which member this data directory is and which cluster it belongs to, kept in {@code
 * member/identity} (etcd keeps them in its WAL metadata): decided once, on the first start, and
 * read back on every later one. A member bootstrapping a new cluster derives both from its flags;
 * a member joining a running cluster ({@code --initial-cluster-state existing}, empty data
 * directory) asks the other members listed in {@code --initial-cluster} over their peer ports
 * (see {@link ClusterProbe}): they know the cluster id and the id {@code member add} gave it.
 * Not kept in the backend, whose copy a snapshot from the leader replaces. Immutable.
 *
 * @param memberId this member's id
 * @param clusterId its cluster's id
 * @param joinPeers on the first start of a joining member, every member's peer address as the
 *     probed member knows them; empty otherwise
 */
record MemberIdentity(long memberId, long clusterId, Map<Long, InetSocketAddress> joinPeers) {
  private static final String FILE = "identity";
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  MemberIdentity {
    joinPeers = Map.copyOf(joinPeers);
  }

  /**
   * Reads the stored identity, or decides and stores it on a first start.
   *
   * @param fresh whether the data directory holds no log yet
   * @throws IOException if the file cannot be read or written, or no member answers a join
   */
  static MemberIdentity resolve(ServerConfig config, Path memberDir, boolean fresh)
      throws IOException {
    Path file = memberDir.resolve(FILE);
    if (Files.exists(file)) {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
      if (b.remaining() != 2 * Long.BYTES) {
        throw new IOException(file + " is damaged: " + b.remaining() + " bytes");
      }
      return new MemberIdentity(b.getLong(), b.getLong(), Map.of());
    }
    MemberIdentity identity = fresh && config.initialClusterState()
        == ServerConfig.ClusterState.EXISTING ? join(config)
        : new MemberIdentity(config.memberId(), config.clusterId(), Map.of());
    store(file, identity);
    return identity;
  }

  private static MemberIdentity join(ServerConfig config) throws IOException {
    URI advertised = config.initialAdvertisePeerUrls().get(0);
    String self = advertised.getHost() + ":" + advertised.getPort();
    IOException last = new IOException("--initial-cluster names no other member to join");
    for (Map.Entry<String, List<URI>> member : config.initialCluster().entrySet()) {
      if (member.getKey().equals(config.name())) {
        continue;
      }
      URI url = member.getValue().get(0);
      try {
        ClusterProbe.Answer answer = ClusterProbe.ask(
            new InetSocketAddress(url.getHost(), url.getPort()), self, PROBE_TIMEOUT);
        for (Map.Entry<Long, InetSocketAddress> peer : answer.members().entrySet()) {
          InetSocketAddress a = peer.getValue();
          if ((a.getHostString() + ":" + a.getPort()).equals(self)) {
            return new MemberIdentity(peer.getKey(), answer.clusterId(), answer.members());
          }
        }
        last = new IOException("member " + member.getKey() + " does not list " + self);
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IOException("cannot join the cluster in --initial-cluster: " + last.getMessage()
        + " (add this member first with etcdctl member add)", last);
  }

  private static void store(Path file, MemberIdentity identity) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(2 * Long.BYTES).putLong(identity.memberId())
          .putLong(identity.clusterId()).flip());
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
