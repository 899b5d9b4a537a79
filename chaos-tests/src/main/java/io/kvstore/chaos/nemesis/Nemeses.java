package io.kvstore.chaos.nemesis;

import io.kvstore.chaos.cluster.ChaosCluster;
import io.kvstore.chaos.cluster.MemberNode;
import io.kvstore.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The fault catalogue, by name (the names {@code -Dchaos.nemeses} takes):
 *
 * <ul>
 *   <li>{@code kill} / {@code kill-leader}: SIGKILL a random member / the leader; heal restarts it
 *       on its data.
 *   <li>{@code pause} / {@code pause-leader}: {@code docker pause} (SIGSTOP of every process) for
 *       the hold time, longer than the election timeout; heal resumes it.
 *   <li>{@code partition-leader}: the leader cut off from every other member;
 *       {@code partition-halves}: a random minority cut off from the majority;
 *       {@code partition-bridge}: two halves that only one member (the bridge) connects;
 *       {@code partition-ring}: each member reaches only its two neighbours (5 members).
 *   <li>{@code loss}: every member drops 30% of the packets from its peers.
 *   <li>{@code isolate-client}: one client of the test JVM that reaches the members through
 *       proxies ({@link ChaosCluster#linkClient}) cut off every member, preferably one its
 *       workload marks (the election replica that leads); what it sent meanwhile is delivered
 *       when healed. Does nothing when no workload links its clients.
 *   <li>{@code replace}: a random member removed from the cluster, its container and data deleted,
 *       its peer URL added back as a new member joining with {@code --initial-cluster-state
 *       existing} (catching up by snapshot when the log is compacted).
 *   <li>{@code snapshot-crash}: a member killed, kept down while the others move on (with a small
 *       {@code --snapshot-count} they compact past it), restarted, killed again a moment later
 *       while it receives or installs the snapshot, and restarted.
 * </ul>
 *
 * <p>Every partition is made with {@code iptables} inside the member containers and healed by
 * flushing their rules. Thread-safety: instances are used by one nemesis thread.
 */
public final class Nemeses {
  public static final List<String> ALL = List.of("kill", "kill-leader", "pause", "pause-leader",
      "partition-leader", "partition-halves", "partition-bridge", "partition-ring", "loss",
      "replace", "snapshot-crash", "isolate-client");

  private Nemeses() {}

  public static Nemesis of(String name, KvClient adminClient) {
    return switch (name) {
      case "kill" -> new Kill(false);
      case "kill-leader" -> new Kill(true);
      case "pause" -> new Pause(false);
      case "pause-leader" -> new Pause(true);
      case "partition-leader", "partition-halves", "partition-bridge", "partition-ring" ->
          new Partition(name);
      case "loss" -> new Loss();
      case "isolate-client" -> new IsolateClient();
      case "replace" -> new Replace(adminClient);
      case "snapshot-crash" -> new SnapshotCrash();
      default -> throw new IllegalArgumentException("unknown nemesis " + name + "; known: " + ALL);
    };
  }

  static MemberNode pick(ChaosCluster cluster, Random random, boolean leader) {
    if (leader) {
      var l = cluster.leader();
      if (l.isPresent()) {
        return l.get();
      }
    }
    List<MemberNode> nodes = cluster.nodes();
    return nodes.get(random.nextInt(nodes.size()));
  }

  private static final class Kill implements Nemesis {
    private final boolean leader;
    private MemberNode victim;

    Kill(boolean leader) {
      this.leader = leader;
    }

    @Override
    public String name() {
      return leader ? "kill-leader" : "kill";
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) {
      victim = pick(cluster, random, leader);
      cluster.kill(victim);
      return "killed " + victim;
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) {
      cluster.restart(victim);
      return "restarted " + victim;
    }
  }

  private static final class Pause implements Nemesis {
    private final boolean leader;
    private MemberNode victim;

    Pause(boolean leader) {
      this.leader = leader;
    }

    @Override
    public String name() {
      return leader ? "pause-leader" : "pause";
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) {
      victim = pick(cluster, random, leader);
      cluster.pause(victim);
      return "paused " + victim;
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) {
      cluster.unpause(victim);
      return "resumed " + victim;
    }
  }

  private static final class Partition implements Nemesis {
    private final String kind;

    Partition(String kind) {
      this.kind = kind;
    }

    @Override
    public String name() {
      return kind;
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) {
      List<MemberNode> nodes = new ArrayList<>(cluster.nodes());
      switch (kind) {
        case "partition-leader": {
          MemberNode l = pick(cluster, random, true);
          for (MemberNode n : nodes) {
            if (n != l) {
              cluster.cut(l, n);
            }
          }
          return "isolated the leader " + l;
        }
        case "partition-halves": {
          Collections.shuffle(nodes, random);
          int minority = (nodes.size() - 1) / 2;
          List<MemberNode> a = nodes.subList(0, minority);
          List<MemberNode> b = nodes.subList(minority, nodes.size());
          cutBetween(cluster, a, b);
          return "partitioned " + a + " | " + b;
        }
        case "partition-bridge": {
          Collections.shuffle(nodes, random);
          MemberNode bridge = nodes.get(0);
          List<MemberNode> rest = nodes.subList(1, nodes.size());
          int half = rest.size() / 2;
          List<MemberNode> a = rest.subList(0, half);
          List<MemberNode> b = rest.subList(half, rest.size());
          cutBetween(cluster, a, b);
          return "bridge " + bridge + " between " + a + " and " + b;
        }
        default: {
          Collections.shuffle(nodes, random);
          int n = nodes.size();
          for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
              int d = Math.min(j - i, n - (j - i));
              if (d > 1) {
                cluster.cut(nodes.get(i), nodes.get(j));
              }
            }
          }
          return "ring " + nodes.stream().map(MemberNode::name)
              .collect(Collectors.joining("-"));
        }
      }
    }

    private static void cutBetween(ChaosCluster cluster, List<MemberNode> a, List<MemberNode> b) {
      for (MemberNode x : a) {
        for (MemberNode y : b) {
          cluster.cut(x, y);
        }
      }
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) {
      cluster.healNetwork();
      return "healed the network";
    }
  }

  private static final class Loss implements Nemesis {
    @Override
    public String name() {
      return "loss";
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) {
      for (MemberNode n : cluster.nodes()) {
        cluster.loss(n, 0.3);
      }
      return "30% packet loss on every member";
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) {
      cluster.healNetwork();
      return "healed the network";
    }
  }

  private static final class IsolateClient implements Nemesis {
    @Override
    public String name() {
      return "isolate-client";
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) {
      return cluster.isolateClient(random).map(c -> "cut client " + c + " off every member")
          .orElse("skipped: no workload links its clients");
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) {
      cluster.healClients();
      return "reconnected every client";
    }
  }

  private static final class Replace implements Nemesis {
    private final KvClient admin;

    Replace(KvClient admin) {
      this.admin = admin;
    }

    @Override
    public String name() {
      return "replace";
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) throws Exception {
      // Only with every member up: replacing one while another is down would leave no quorum.
      if (!cluster.awaitAllServing(Duration.ofSeconds(20))) {
        return "skipped: not every member serves";
      }
      MemberNode victim = pick(cluster, random, false);
      List<String> others = cluster.nodes().stream().filter(n -> n != victim)
          .map(MemberNode::endpoint).toList();
      long id;
      try (KvClient viaOthers = KvClient.builder().endpoints(others)
          .callTimeout(Duration.ofSeconds(20)).build()) {
        id = cluster.replace(victim, viaOthers);
      }
      return "replaced " + victim + " by new member " + Long.toHexString(id);
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) {
      return "nothing to heal";
    }
  }

  private static final class SnapshotCrash implements Nemesis {
    private MemberNode victim;

    @Override
    public String name() {
      return "snapshot-crash";
    }

    @Override
    public String inject(ChaosCluster cluster, Random random) {
      victim = pick(cluster, random, false);
      cluster.kill(victim);
      return "killed " + victim + " to fall behind";
    }

    @Override
    public String heal(ChaosCluster cluster, Random random) throws InterruptedException {
      cluster.restart(victim);
      long delay = 300 + random.nextInt(1500);
      Thread.sleep(delay);
      cluster.kill(victim);
      cluster.restart(victim);
      return "restarted " + victim + ", killed it again after " + delay
          + " ms (catching up), restarted it";
    }
  }
}
