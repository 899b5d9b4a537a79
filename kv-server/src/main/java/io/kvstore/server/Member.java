package io.kvstore.server;

import io.kvstore.api.etcdserverpb.AlarmType;
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
import io.kvstore.server.apply.ClusterRequestApplier;
import io.kvstore.server.apply.ConfChangeNotifier;
import io.kvstore.server.etcd.ClientServer;
import io.kvstore.server.etcd.ClusterService;
import io.kvstore.server.etcd.MaintenanceService;
import io.kvstore.server.etcd.QuotaKvService;
import io.kvstore.server.etcd.SnapshotStreamer;
import io.kvstore.server.election.ElectionService;
import io.kvstore.server.election.KeyWatches;
import io.kvstore.server.election.LockService;
import io.kvstore.server.election.MemberKeyspace;
import io.kvstore.server.maintenance.Alarms;
import io.kvstore.server.maintenance.AttributePublisher;
import io.kvstore.server.maintenance.CorruptionMonitor;
import io.kvstore.server.maintenance.InitialCorruptionCheck;
import io.kvstore.server.maintenance.MemberAttributesApplier;
import io.kvstore.server.maintenance.MetricsServer;
import io.kvstore.server.pb.MemberAttributes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import io.kvstore.server.etcd.KvServer;
import io.kvstore.server.etcd.KvService;
import io.kvstore.server.etcd.LeaseServer;
import io.kvstore.server.etcd.LeaseService;
import io.kvstore.server.etcd.WatchService;
import io.kvstore.server.etcd.Proposer;
import io.kvstore.server.lease.LeaseApplier;
import io.kvstore.server.lease.LeaseExpiryLoop;
import io.kvstore.server.lease.Lessor;
import io.kvstore.server.lease.LessorConfig;
import io.kvstore.server.watch.WatchHub;
import io.kvstore.server.mvcc.MvccStore;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import org.slf4j.LoggerFactory;

/**
 * One running kvstore member: its Raft node, log and snapshot stores, backend and peer transport,
 * laid out in the data directory as {@code member/wal} (the RocksDB log store), {@code
 * member/snap} (snapshot files), {@code member/db} (the backend) and {@code member/checkpoints}
 * (snapshots being packed).
 *
 * <p>Thread-safety: {@link #run} or {@link #start} is called once; {@link #run} installs a JVM
 * shutdown hook that stops the member on SIGTERM or SIGINT, {@link #start} leaves stopping to the
 * caller (an application embedding the member).
 */
public final class Member {
  private static final Logger LOG = LoggerFactory.getLogger(Member.class);
  private static final int SNAPSHOTS_RETAINED = 5;
  /** etcd's request timeout with the default election timeout: 5 s + 2 × 1 s. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(7);

  private final ServerConfig config;
  /** etcd's metrics, served on --listen-metrics-urls. */
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /**
   * Completes client requests once applied, and runs confirmed linearizable reads: off the Raft
   * loop, which would otherwise build and send every response itself.
   */
  private final ExecutorService responses = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "kv-server-responses");
    t.setDaemon(true);
    return t;
  });
  /** Membership changes proposed here, until applied here. */
  private final ApplyWaiters confChanges = new ApplyWaiters();
  /** Set once by {@link #run} before anything starts. */
  private MemberIdentity identity;
  private volatile RaftNode raftNode;
  /** Guarded by {@code this}. */
  private boolean stopped;

  public Member(ServerConfig config) {
    this.config = config;
  }

  /**
   * A member configured with etcd's flags, exactly as the {@code kv-server} command takes them.
   *
   * @throws IllegalArgumentException naming the wrong or inconsistent flag
   */
  public static Member withFlags(List<String> flags) {
    CommandLine commandLine = ServerFlags.newCommandLine();
    try {
      commandLine.parseArgs(flags.toArray(String[]::new));
      return new Member(commandLine.<ServerFlags>getCommand().toConfig());
    } catch (ParameterException | ConfigException e) {
      throw new IllegalArgumentException(e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  /** Starts the member and blocks until it stops; returns the process exit status. */
  public int run() {
    Started started;
    try {
      started = start();
    } catch (StartRefusedException e) {
      LOG.error("refusing to start: {}", e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("received shutdown signal, stopping member");
      started.close();
    }, "kv-server-shutdown"));
    try {
      started.terminated().get();
      started.close();
      return 0;
    } catch (ExecutionException e) {
      LOG.error("member stopped after a failure: {}", e.getCause().toString());
      started.close();
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /**
   * Starts the member and returns while it joins its cluster; {@link Started#ready()} completes
   * when it serves clients (when etcd logs "ready to serve client requests").
   *
   * @throws StartRefusedException if the data directory or the flags do not allow it to start;
   *     nothing is left running
   */
  public Started start() {
    Path memberDir = config.dataDir().resolve("member");
    boolean fresh = !Files.exists(memberDir.resolve("wal"));
    try {
      identity = MemberIdentity.resolve(config, memberDir, fresh);
    } catch (IOException e) {
      throw new StartRefusedException(e.getMessage(), e);
    }
    long id = identity.memberId();
    LOG.info("starting member {} ({}) of cluster {}, data dir {}", config.name(),
        MemberIds.format(id), MemberIds.format(identity.clusterId()), config.dataDir());
    Running running;
    try {
      running = start(id, memberDir);
    } catch (LogStoreException | BackendException | UncheckedIOException
        | IllegalStateException e) {
      throw new StartRefusedException(e.getMessage(), e);
    } catch (IOException e) {
      throw new StartRefusedException("cannot use data dir " + config.dataDir() + ": " + e, e);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    announceReadiness(running.node(), running.operations().publisher().published(), ready);
    return new Started(id, identity.clusterId(), ready, running);
  }

  /** A member that {@link #start} started. Thread-safety: safe for concurrent use. */
  public final class Started implements AutoCloseable {
    private final long memberId;
    private final long clusterId;
    private final CompletableFuture<Void> ready;
    private final Running running;

    private Started(long memberId, long clusterId, CompletableFuture<Void> ready,
        Running running) {
      this.memberId = memberId;
      this.clusterId = clusterId;
      this.ready = ready;
      this.running = running;
    }

    public long memberId() {
      return memberId;
    }

    public long clusterId() {
      return clusterId;
    }

    /** Completes once the member serves clients; never if it stops first. */
    public CompletableFuture<Void> ready() {
      return ready;
    }

    /** Completes when the member's Raft node stops; exceptionally after a failure. */
    public CompletableFuture<Void> terminated() {
      return running.node().terminated();
    }

    /** Stops serving, then stops Raft and closes the stores; idempotent. */
    @Override
    public void close() {
      stop(running);
    }
  }

  /** What a started member consists of, for stopping it. */
  private record Running(RaftNode node, BackendStateMachine stateMachine, ClientServer clients,
      ApplyWaiters waiters, LeaseExpiryLoop lessorLoop, Operations operations, WatchService watch,
      WatchHub watchHub) {}

  /** The member's maintenance side: its worker threads, metrics listener and publisher. */
  private record Operations(ExecutorService executor, MetricsServer metrics,
      AttributePublisher publisher, AutoCloseable corruptionCheck) implements AutoCloseable {
    @Override
    public void close() {
      try {
        corruptionCheck.close();
      } catch (Exception e) {
        LOG.warn("stopping the corruption check failed: {}", e.toString());
      }
      publisher.close();
      metrics.close();
      executor.shutdownNow();
    }
  }

  private Running start(long id, Path memberDir) throws IOException {
    Files.createDirectories(memberDir);
    Backend backend = Backend.open(memberDir.resolve("db"));
    Lessor lessor = new Lessor(LessorConfig.of(config.heartbeatIntervalMs(),
        config.electionTick(), REQUEST_TIMEOUT), System::nanoTime);
    MvccStore store = MvccStore.open(backend, lessor);
    lessor.recover(backend, store);
    ApplyWaiters waiters = new ApplyWaiters(responses);
    WatchHub watchHub = new WatchHub(store);
    Alarms alarms = new Alarms(store);
    KvApplier applier = new KvApplier(store, waiters, new LeaseApplier(lessor, store),
        watchHub::publish, () -> alarms.active(AlarmType.CORRUPT));
    BackendStateMachine stateMachine = new BackendStateMachine(backend, swap -> {
      Backend replacement = store.replaceBackend(swap);
      lessor.recover(replacement, store);
      return replacement;
    }, new ClusterRequestApplier(store, waiters, alarms, new MemberAttributesApplier(store),
        applier), memberDir.resolve("checkpoints"),
        this::learnPeers);
    if (config.initialCorruptCheck()) {
      checkInitialHashKv(id, store, backend);
    }
    RaftNode node = startRaft(id, memberDir, stateMachine);
    Proposer proposer = new Proposer(node, waiters, identity.clusterId(), id, REQUEST_TIMEOUT,
        config.maxRequestBytes());
    KvServer kv = new KvServer(node, store, proposer, config.maxTxnOps(), responses);
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "kv-server-maintenance");
      t.setDaemon(true);
      return t;
    });
    LeaseServer leases = new LeaseServer(node, store, lessor, proposer, REQUEST_TIMEOUT, executor);
    WatchService watch = new WatchService(watchHub, identity.clusterId(), id,
        () -> node.status().term(), config.maxRequestBytes(),
        WatchService.DEFAULT_PROGRESS_INTERVAL);
    MemberKeyspace recipes = new MemberKeyspace(kv, leases, proposer);
    KeyWatches recipeWatches = new KeyWatches(watchHub);
    ClientServer clients;
    try {
      clients = new ClientServer(config.listenClientUrls().stream().map(Member::address).toList(),
          config.maxRequestBytes(), () -> node.status().leaderId() != 0, List.of(
              new QuotaKvService(new KvService(kv), store, alarms, proposer, id,
                  config.quotaBytes()),
              new LeaseService(leases),
              watch,
              new ClusterService(node, store, proposer, confChanges, REQUEST_TIMEOUT, executor),
              new MaintenanceService(node, store, proposer, alarms,
                  new SnapshotStreamer(store, memberDir.resolve("checkpoints").resolve("export")),
                  REQUEST_TIMEOUT, executor),
              new ElectionService(recipes, recipeWatches, responses),
              new LockService(recipes, recipeWatches, responses)));
    } catch (UncheckedIOException e) {
      node.close();
      stateMachine.close();
      throw e;
    }
    LOG.info("serving client requests on {}", config.listenClientUrls());
    MetricsServer metrics = new MetricsServer(
        config.listenMetricsUrls().stream().map(Member::address).toList(), registry,
        () -> node.status().leaderId() != 0);
    AttributePublisher publisher = new AttributePublisher(node, store,
        MemberAttributes.newBuilder().setMemberId(id).setName(config.name())
            .addAllClientUrls(config.advertiseClientUrls().stream().map(URI::toString).toList())
            .build(), proposer::propose);
    return new Running(node, stateMachine, clients, waiters,
        LeaseExpiryLoop.start(lessor, node, proposer::proposeAsLeader),
        new Operations(executor, metrics, publisher, CorruptionMonitor.start(
            config.corruptCheckTime(), id, node, store, alarms, proposer::propose)),
        watch, watchHub);
  }

  /** {@code --experimental-initial-corrupt-check}; closes the backend if the member refuses. */
  private static void checkInitialHashKv(long id, MvccStore store, Backend backend) {
    try {
      InitialCorruptionCheck.run(id, store);
    } catch (InitialCorruptionCheck.DataInconsistencyException e) {
      backend.close();
      throw new StartRefusedException(e.getMessage(), e);
    }
  }

  private RaftNode startRaft(long id, Path memberDir, BackendStateMachine stateMachine)
      throws IOException {
    RocksDbLogStore log = RocksDbLogStore.open(memberDir.resolve("wal"),
        stateMachine.appliedIndex());
    SnapshotStore snapshots = new SnapshotStore(memberDir.resolve("snap"), SNAPSHOTS_RETAINED);
    SnapshotStoreBridge bridge = new SnapshotStoreBridge(snapshots);
    NettyTransport transport = new NettyTransport(
        NettyTransportConfig.of(id, identity.clusterId(),
            address(config.listenPeerUrls().get(0))),
        bridge, bridge, registry);
    RaftNodeConfig raftConfig = RaftNodeConfig.defaults(id)
        .withTiming(Duration.ofMillis(config.heartbeatIntervalMs()), config.electionTick())
        .withSnapshots(config.snapshotCount(), Math.min(5_000, config.snapshotCount()));
    RaftNode node = new RaftNode(raftConfig, log, snapshots, transport,
        new ConfChangeNotifier(stateMachine, confChanges,
            memberId -> stateMachine.backend().member(memberId)),
        registry);
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
    if (members.isEmpty() && !identity.joinPeers().isEmpty()) {
      peers.putAll(identity.joinPeers());
    } else if (members.isEmpty()) {
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

  /**
   * Logs etcd's readiness line and completes {@code ready} once this member has published its
   * attributes, a leader is known and this member has caught up.
   */
  private void announceReadiness(RaftNode node, CompletableFuture<Void> published,
      CompletableFuture<Void> ready) {
    Thread t = new Thread(() -> {
      while (!node.terminated().isDone()) {
        RaftNode.NodeStatus s = node.status();
        if (published.isDone() && s.leaderId() != 0 && s.appliedIndex() >= s.commitIndex()) {
          LOG.info("ready to serve client requests (member {}, leader {}, applied index {})",
              MemberIds.format(s.id()), MemberIds.format(s.leaderId()), s.appliedIndex());
          ready.complete(null);
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
    running.watch().close();
    running.clients().close();
    running.operations().close();
    running.lessorLoop().close();
    running.node().close();
    running.watchHub().close();
    running.waiters().failAll(new NodeStoppedException("raft node stopped", null));
    responses.shutdown();
    running.stateMachine().close();
  }

  private static InetSocketAddress address(URI url) {
    return new InetSocketAddress(url.getHost(), url.getPort());
  }
}
