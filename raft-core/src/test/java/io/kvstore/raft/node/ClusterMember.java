package io.kvstore.raft.node;

import io.kvstore.raft.storage.RocksDbLogStore;
import io.kvstore.raft.storage.SnapshotStore;
import io.kvstore.raft.transport.NettyTransport;
import io.kvstore.raft.transport.NettyTransportConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One member of a test cluster: its directories and listening port, which outlive restarts, and
 * while it runs a {@link RaftNode} over a real {@link RocksDbLogStore}, {@link SnapshotStore},
 * {@link NettyTransport} on loopback and a {@link TestKvStateMachine}.
 *
 * <p>Thread-safety: not thread-safe; started, stopped and inspected by the test thread only (the
 * node, log store and state machine it hands out are themselves thread-safe).
 */
final class ClusterMember {
  static final long CLUSTER_ID = 0xc1;

  final long id;
  private final Path dir;
  private final RaftNodeConfig config;
  /** 0 until the first start binds a free port; every restart listens there again. */
  private int port;
  private RaftNode node;
  private RocksDbLogStore logStore;
  private SnapshotStore snapshots;
  private TestKvStateMachine stateMachine;
  private FilteringTransport transport;

  ClusterMember(long id, Path dir, RaftNodeConfig config) {
    this.id = id;
    this.dir = dir;
    this.config = config;
  }

  /**
   * Opens the member's storage (fresh on the first start, as left on later ones) and starts its
   * node; {@link RaftNode#start} explains the arguments.
   */
  void start(List<Long> bootstrapVoters, Map<Long, InetSocketAddress> peers) throws IOException {
    if (node != null) {
      throw new IllegalStateException("member " + id + " is running");
    }
    stateMachine = new TestKvStateMachine(dir.resolve("state"));
    snapshots = new SnapshotStore(dir.resolve("snap"), config.snapshotsRetained());
    logStore = RocksDbLogStore.open(dir.resolve("log"));
    SnapshotStoreBridge bridge = new SnapshotStoreBridge(snapshots);
    transport = new FilteringTransport(new NettyTransport(
        NettyTransportConfig.of(id, CLUSTER_ID, new InetSocketAddress("127.0.0.1", port)),
        bridge, bridge, null));
    node = new RaftNode(config, logStore, snapshots, transport, stateMachine, null);
    try {
      node.start(bootstrapVoters, peers);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    port = transport.localAddress().getPort();
  }

  /** Stops the node abruptly (in-flight requests fail); a no-op if it is not running. */
  void stop() {
    if (node != null) {
      RaftNode stopping = node;
      node = null;
      stopping.close();
    }
  }

  boolean running() {
    return node != null;
  }

  /** Where the member listens for peers; known after the first start. */
  InetSocketAddress address() {
    if (port == 0) {
      throw new IllegalStateException("member " + id + " never started");
    }
    return new InetSocketAddress("127.0.0.1", port);
  }

  RaftNodeConfig config() {
    return config;
  }

  /** The running node's transport, which can drop chosen outbound messages. */
  FilteringTransport transport() {
    return transport;
  }

  RaftNode node() {
    if (node == null) {
      throw new IllegalStateException("member " + id + " is not running");
    }
    return node;
  }

  /** The log store of the current (or last) run; closed while the member is stopped. */
  RocksDbLogStore logStore() {
    return logStore;
  }

  /** The snapshot store of the current (or last) run. */
  SnapshotStore snapshots() {
    return snapshots;
  }

  /** The state machine of the current (or last) run. */
  TestKvStateMachine stateMachine() {
    return stateMachine;
  }
}
