package io.kvstore.chaos.cluster;

import io.kvstore.client.KvClient;
import java.time.Duration;

/**
 * One member slot of a {@link ChaosCluster}: a fixed name, address and host port, and the
 * container now filling it (a replaced member gets a new container in the same slot).
 *
 * <p>Thread-safety: the container id and state flags are volatile; the cluster changes them under
 * its own lock.
 */
public final class MemberNode {
  final int index;
  final String name;
  final String ip;
  final int hostPort;
  volatile String containerId;
  volatile boolean running;
  volatile boolean paused;
  /** Logs of earlier containers of this slot (a replaced member's), kept for the log check. */
  final StringBuilder earlierLogs = new StringBuilder();
  private volatile KvClient client;

  MemberNode(int index, String name, String ip, int hostPort) {
    this.index = index;
    this.name = name;
    this.ip = ip;
    this.hostPort = hostPort;
  }

  public String name() {
    return name;
  }

  public String ip() {
    return ip;
  }

  public String peerUrl() {
    return "http://" + ip + ":" + ChaosCluster.PEER_PORT;
  }

  /** The member's client port as the test JVM reaches it. */
  public String endpoint() {
    return "127.0.0.1:" + hostPort;
  }

  public String containerId() {
    return containerId;
  }

  public boolean running() {
    return running;
  }

  public boolean paused() {
    return paused;
  }

  /** A client that talks to this member only (status, HashKV, per-member reads). */
  public synchronized KvClient client() {
    if (client == null) {
      client = KvClient.builder().endpoints(endpoint()).callTimeout(Duration.ofSeconds(3))
          .build();
    }
    return client;
  }

  synchronized void closeClient() {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  @Override
  public String toString() {
    return name + "(" + ip + ")";
  }
}
