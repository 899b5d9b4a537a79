package io.kvstore.chaos.workload;

import io.kvstore.chaos.cluster.ChaosCluster;
import io.kvstore.chaos.history.History;
import io.kvstore.chaos.history.WatchLog;
import io.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the workloads of one run share: the cluster, the history and watch log they record into,
 * the run's seeded randomness and process numbering, and the clients they open (closed at the end).
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class RunContext {
  public final ChaosCluster cluster;
  public final History history;
  public final WatchLog watchLog = new WatchLog();
  public final long seed;
  public final Duration callTimeout;
  private final Random random;
  private final AtomicInteger processes = new AtomicInteger();
  private final List<KvClient> clients = new ArrayList<>();
  private volatile boolean stopping;

  public RunContext(ChaosCluster cluster, History history, long seed, Duration callTimeout) {
    this.cluster = cluster;
    this.history = history;
    this.seed = seed;
    this.callTimeout = callTimeout;
    this.random = new Random(seed);
  }

  /** A fresh process number; a process whose op ended unknown is never used again. */
  public int newProcess() {
    return processes.getAndIncrement();
  }

  /** A random source for one worker, derived from the run's seed. */
  public synchronized Random newRandom() {
    return new Random(random.nextLong());
  }

  /** A client over every member, closed when the run ends. */
  public synchronized KvClient newClient() {
    KvClient c = KvClient.builder().endpoints(cluster.endpoints()).callTimeout(callTimeout)
        .build();
    clients.add(c);
    return c;
  }

  /**
   * A client over every member through proxies of its own, which the {@code isolate-client}
   * nemesis can cut off the cluster; closed when the run ends.
   *
   * @param name the client's name in nemesis events (unique within the run)
   * @param preferred whether the nemesis should pick this client now, over the others
   */
  public KvClient newLinkedClient(String name, java.util.function.BooleanSupplier preferred) {
    return newLinkedClient(name, preferred, callTimeout);
  }

  /** {@link #newLinkedClient(String, java.util.function.BooleanSupplier)} with its own deadline. */
  public synchronized KvClient newLinkedClient(String name,
      java.util.function.BooleanSupplier preferred, Duration deadline) {
    KvClient c = KvClient.builder().endpoints(cluster.linkClient(name, preferred))
        .callTimeout(deadline).build();
    clients.add(c);
    return c;
  }

  public boolean stopping() {
    return stopping;
  }

  public void stop() {
    stopping = true;
  }

  public synchronized void closeClients() {
    for (KvClient c : clients) {
      c.close();
    }
    clients.clear();
  }
}
