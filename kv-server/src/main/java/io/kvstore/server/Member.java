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
import io.kvstore.raft.node.NodeStoppedException;
import io.kvstore.server.apply.ApplyWaiters;
import io.kvstore.server.apply.KvApplier;
import io.kvstore.server.etcd.ClientServer;
import io.kvstore.server.etcd.KvServer;
import io.kvstore.server.etcd.KvService;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.RequestValidator;
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
  /** etcd's default {@code --max-request-bytes}. */
  private static final int MAX_REQUEST_BYTES = 1536 * 1024;
  /** etcd's request timeout with the default election timeout: 5 s + 2 × 1 s. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(7);

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
    Running running;
    try {
      running = start(id, memberDir);
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
      stop(running);
    }, "kv-server-shutdown"));
    announceReadiness(running.node());
    try {
      running.node().terminated().get();
      stop(running);
      return 0;
    } catch (ExecutionException e) {
      LOG.error("member stopped after a failure: {}", e.getCause().toString());
      stop(running);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** What a started member consists of, for stopping it. */
  private record Running(RaftNode node, BackendStateMachine stateMachine, ClientServer clients,
      ApplyWaiters waiters) {}

  private Running start(long id, Path memberDir) throws IOException {
    Files.createDirectories(memberDir);
    Backend backend = Backend.open(memberDir.resolve("db"));
    // No lessor yet: no lease exists, so a put naming one is refused as etcd refuses it.
    MvccStore store = MvccStore.open(backend, leaseId -> false);
    ApplyWaiters waiters = new ApplyWaiters();
    KvApplier applier = new KvApplier(store, waiters);
    BackendStateMachine stateMachine = new BackendStateMachine(backend, store, applier::apply,
        memberDir.resolve("checkpoints"), this::learnPeers);
    RaftNode node = startRaft(id, memberDir, stateMachine);
    KvServer kv = new KvServer(node, store, waiters, config.clusterId(), id, REQUEST_TIMEOUT,
        MAX_REQUEST_BYTES, RequestValidator.DEFAULT_MAX_TXN_OPS);
    ClientServer clients;
    try {
      clients = new ClientServer(config.listenClientUrls().stream().map(Member::address).toList(),
          MAX_REQUEST_BYTES, List.of(new KvService(kv)));
    } catch (UncheckedIOException e) {
      node.close();
      stateMachine.close();
      throw e;
    }
    LOG.info("serving client requests on {}", config.listenClientUrls());
    return new Running(node, stateMachine, clients, waiters);
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

  /**
   * Stops serving clients, then the Raft node, then closes the backend; safe to call from several
   * threads.
   */
  private synchronized void stop(Running running) {
    if (stopped) {
      return;
    }
    stopped = true;
    running.clients().close();
    running.node().close();
    running.waiters().failAll(new NodeStoppedException("raft node stopped", null));
    running.stateMachine().close();
  }

  private static InetSocketAddress address(URI url) {
    return new InetSocketAddress(url.getHost(), url.getPort());
  }
}
