package io.kvstore.server;

import io.kvstore.raft.node.RaftNode;
import io.kvstore.raft.node.RaftNodeConfig;
import io.kvstore.raft.node.SnapshotStoreBridge;
import io.kvstore.raft.storage.LogStoreException;
import io.kvstore.raft.storage.RocksDbLogStore;
import io.kvstore.raft.storage.SnapshotStore;
import io.kvstore.raft.transport.NettyTransport;
import io.kvstore.raft.transport.NettyTransportConfig;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.backend.BackendException;
import io.kvstore.server.backend.BackendStateMachine;
import io.kvstore.server.backend.MemberRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running kvstore member: its Raft node, log and snapshot stores, backend and peer transport,
 * laid out in the data directory as {@code member/wal} (the RocksDB log store), {@code
 * member/snap} (snapshot files), {@code member/db} (the backend) and {@code member/checkpoints}
 * (snapshots being packed).
 *
 * <p>Thread-safety: {@link #run} is called once, from the main thread; a JVM shutdown hook stops
 * the member on SIGTERM or SIGINT.
 */
public final class Member {
  private static final Logger LOG = LoggerFactory.getLogger(Member.class);
  private static final int SNAPSHOTS_RETAINED = 5;

  private final ServerConfig config;
  private volatile RaftNode raftNode;
  /** Guarded by {@code this}. */
  private boolean stopped;

  public Member(ServerConfig config) {
    this.config = config;
  }

  /** Starts the member and blocks until it stops; returns the process exit status. */
  public int run() {
    long id = config.memberId();
    Path memberDir = config.dataDir().resolve("member");
    boolean fresh = !Files.exists(memberDir.resolve("wal"));
    if (fresh && config.initialClusterState() == ServerConfig.ClusterState.EXISTING) {
      LOG.error("--initial-cluster-state=existing needs a data directory from a member that was "
          + "added to the cluster; {} has none (member add arrives with the Cluster API)",
          config.dataDir());
      return 1;
    }
    LOG.info("starting member {} ({}) of cluster {}, data dir {}", config.name(),
        MemberIds.format(id), MemberIds.format(config.clusterId()), config.dataDir());
    BackendStateMachine stateMachine;
    RaftNode node;
    try {
      Files.createDirectories(memberDir);
      stateMachine = new BackendStateMachine(Backend.open(memberDir.resolve("db")),
          memberDir.resolve("checkpoints"), this::learnPeers);
      node = startRaft(id, memberDir, stateMachine);
    } catch (LogStoreException | BackendException | UncheckedIOException
        | IllegalStateException e) {
      LOG.error("refusing to start: {}", e.getMessage());
      return 1;
    } catch (IOException e) {
      LOG.error("refusing to start: cannot use data dir {}: {}", config.dataDir(), e.toString());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("received shutdown signal, stopping member");
      stop(node, stateMachine);
    }, "kv-server-shutdown"));
    announceReadiness(node);
    try {
      node.terminated().get();
      stop(node, stateMachine);
      return 0;
    } catch (ExecutionException e) {
      LOG.error("member stopped after a failure: {}", e.getCause().toString());
      stop(node, stateMachine);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private RaftNode startRaft(long id, Path memberDir, BackendStateMachine stateMachine)
      throws IOException {
    RocksDbLogStore log = RocksDbLogStore.open(memberDir.resolve("wal"));
    SnapshotStore snapshots = new SnapshotStore(memberDir.resolve("snap"), SNAPSHOTS_RETAINED);
    SnapshotStoreBridge bridge = new SnapshotStoreBridge(snapshots);
    NettyTransport transport = new NettyTransport(
        NettyTransportConfig.of(id, config.clusterId(), address(config.listenPeerUrls().get(0))),
        bridge, bridge, null);
    RaftNodeConfig raftConfig = RaftNodeConfig.defaults(id)
        .withTiming(Duration.ofMillis(config.heartbeatIntervalMs()), config.electionTick())
        .withSnapshots(config.snapshotCount(), Math.min(5_000, config.snapshotCount()));
    RaftNode node = new RaftNode(raftConfig, log, snapshots, transport, stateMachine, null);
    raftNode = node;
    // The node bootstraps only an empty log, so a first start that failed after creating the
    // log store (say, on a busy peer port) still bootstraps when it is retried.
    List<Long> bootstrap = config.initialClusterState() == ServerConfig.ClusterState.NEW
        ? new ArrayList<>(config.memberIds().values())
        : List.of();
    node.start(bootstrap, knownPeers(stateMachine.backend().members()));
    return node;
  }

  /** Member addresses from the backend, or from --initial-cluster before anything is applied. */
  private Map<Long, InetSocketAddress> knownPeers(Map<Long, MemberRecord> members) {
    Map<Long, InetSocketAddress> peers = new LinkedHashMap<>();
    if (members.isEmpty()) {
      Map<String, Long> ids = config.memberIds();
      config.initialCluster().forEach((name, urls) -> peers.put(ids.get(name),
          address(urls.get(0))));
    } else {
      members.forEach((id, m) -> {
        if (m.context().getPeerUrlsCount() > 0) {
          peers.put(id, address(URI.create(m.context().getPeerUrls(0))));
        }
      });
    }
    return peers;
  }

  private void learnPeers(Map<Long, MemberRecord> members) {
    RaftNode node = raftNode;
    if (node != null) {
      knownPeers(members).forEach(node::addPeer);
    }
  }

  /** Logs etcd's readiness line once a leader is known and this member has caught up. */
  private void announceReadiness(RaftNode node) {
    Thread t = new Thread(() -> {
      while (!node.terminated().isDone()) {
        RaftNode.NodeStatus s = node.status();
        if (s.leaderId() != 0 && s.appliedIndex() >= s.commitIndex()) {
          LOG.info("ready to serve client requests (member {}, leader {}, applied index {})",
              MemberIds.format(s.id()), MemberIds.format(s.leaderId()), s.appliedIndex());
          return;
        }
        try {
          TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "kv-server-readiness");
    t.setDaemon(true);
    t.start();
  }

  /** Stops the Raft node, then closes the backend; safe to call from several threads. */
  private synchronized void stop(RaftNode node, BackendStateMachine stateMachine) {
    if (stopped) {
      return;
    }
    stopped = true;
    node.close();
    stateMachine.close();
  }

  private static InetSocketAddress address(URI url) {
    return new InetSocketAddress(url.getHost(), url.getPort());
  }
}
