package io.kvstore.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network.Ipam;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.kvstore.api.etcdserverpb.HashKVRequest;
import io.kvstore.api.etcdserverpb.HashKVResponse;
import io.kvstore.api.etcdserverpb.Member;
import io.kvstore.api.etcdserverpb.MemberAddRequest;
import io.kvstore.api.etcdserverpb.MemberAddResponse;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.MemberRemoveRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.StatusRequest;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.client.KvClient;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * A kvstore cluster of 3 or 5 members, each in its own container on a private Docker network
 * with a fixed address (so a restarted or replaced member keeps its peer URL) and a fixed host
 * port for its client URL (so a client built once reaches it across restarts). Members run with
 * {@code NET_ADMIN} so the nemeses can use {@code iptables} inside them.
 *
 * <p>Every container and the network are removed by {@link #close}, also after a failure.
 *
 * <p>Thread-safety: fault methods are synchronized on the cluster; the node list is fixed.
 */
public final class ChaosCluster implements AutoCloseable {
  public static final int CLIENT_PORT = 2379;
  public static final int PEER_PORT = 2380;
  private static final String READY = "ready to serve client requests";
  private static final Logger log = LoggerFactory.getLogger(ChaosCluster.class);

  private final String image;
  private final List<MemberNode> nodes = new ArrayList<>();
  private final List<String> memberFlags;
  private final DockerClient docker = DockerClientFactory.instance().client();
  private final String token;
  private Network network;
  private String subnetPrefix;
  private final List<GenericContainer<?>> containers = new ArrayList<>();
  /** Clients of the test JVM that reach the members through proxies, by name; see linkClient. */
  private final Map<String, ClientLink> links = new LinkedHashMap<>();

  /** One proxied client: a proxy per member, and whether the nemesis should prefer it now. */
  private record ClientLink(String name, List<ClientProxy> proxies,
      java.util.function.BooleanSupplier preferred) {}

  /**
   * @param image the member image ({@link MemberImage#build})
   * @param size 3 or 5
   * @param memberFlags extra kv-server flags for every member (e.g. {@code --snapshot-count})
   */
  public ChaosCluster(String image, int size, List<String> memberFlags, Random random) {
    this.image = image;
    this.memberFlags = List.copyOf(memberFlags);
    this.token = "chaos-" + Long.toHexString(random.nextLong() & 0xffffffL);
    createNetwork(random);
    for (int i = 1; i <= size; i++) {
      nodes.add(new MemberNode(i, "n" + i, subnetPrefix + (10 + i), freePort(random)));
    }
  }

  public List<MemberNode> nodes() {
    return List.copyOf(nodes);
  }

  public List<String> endpoints() {
    return nodes.stream().map(MemberNode::endpoint).toList();
  }

  /** Starts every member at once (each waits for a leader before it is ready). */
  public void start() {
    String initial = nodes.stream().map(n -> n.name + "=" + n.peerUrl())
        .collect(Collectors.joining(","));
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (MemberNode n : nodes) {
      started.add(CompletableFuture.runAsync(() -> startContainer(n, initial, "new")));
    }
    CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
  }

  private void createNetwork(Random random) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 8; attempt++) {
      String prefix = "10." + (200 + random.nextInt(50)) + "." + random.nextInt(256) + ".";
      Network candidate = Network.builder()
          .createNetworkCmdModifier(cmd -> cmd.withIpam(new Ipam()
              .withConfig(new Ipam.Config().withSubnet(prefix + "0/24")
                  .withGateway(prefix + "1"))))
          .build();
      try {
        candidate.getId();
        network = candidate;
        subnetPrefix = prefix;
        return;
      } catch (RuntimeException e) {
        last = e;
        candidate.close();
      }
    }
    throw new IllegalStateException("could not create a Docker network", last);
  }

  private static int freePort(Random random) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20000 + random.nextInt(12000);
      try (ServerSocket s = new ServerSocket(port)) {
        s.setReuseAddress(true);
        return port;
      } catch (IOException e) {
        // taken, try another
      }
    }
    throw new IllegalStateException("no free port in 20000-32000");
  }

  private void startContainer(MemberNode n, String initialCluster, String state) {
    List<String> cmd = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-Xshare:off", "-cp", "/opt/kvstore/lib/*",
        "io.kvstore.server.KvServerMain",
        "--name", n.name, "--data-dir", "/data/" + n.name + ".etcd",
        "--listen-peer-urls", "http://0.0.0.0:" + PEER_PORT,
        "--initial-advertise-peer-urls", n.peerUrl(),
        "--listen-client-urls", "http://0.0.0.0:" + CLIENT_PORT,
        "--advertise-client-urls", "http://" + n.ip + ":" + CLIENT_PORT,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", state,
        "--initial-cluster-token", token));
    cmd.addAll(memberFlags);
    @SuppressWarnings("resource")
    GenericContainer<?> c = new GenericContainer<>(image)
        .withNetwork(network)
        .withNetworkAliases(n.name)
        .withCreateContainerCmdModifier(create -> {
          create.withEntrypoint("/opt/jre/bin/java");
          create.withCmd(cmd);
          create.withIpv4Address(n.ip);
          create.withExposedPorts(ExposedPort.tcp(CLIENT_PORT));
          create.withName(token + "-" + n.name + "-" + Long.toHexString(System.nanoTime()));
          create.getHostConfig()
              .withCapAdd(Capability.NET_ADMIN)
              .withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1",
                  n.hostPort), ExposedPort.tcp(CLIENT_PORT)));
        })
        .waitingFor(Wait.forLogMessage(".*" + READY + ".*\\n", 1)
            .withStartupTimeout(Duration.ofSeconds(120)));
    synchronized (this) {
      containers.add(c);
    }
    try {
      c.start();
    } catch (RuntimeException e) {
      String id = c.getContainerId();
      String logs = id == null ? "" : logsOf(id);
      throw new IllegalStateException("member " + n + " did not start; its log:\n" + tail(logs, 40),
          e);
    }
    n.containerId = c.getContainerId();
    n.running = true;
    n.paused = false;
  }

  // ---------------------------------------------------------------- faults

  /** SIGKILLs the member's process (its container stops; its data stays). */
  public synchronized void kill(MemberNode n) {
    if (!n.running) {
      return;
    }
    if (n.paused) {
      unpause(n);
    }
    try {
      docker.killContainerCmd(n.containerId).withSignal("KILL").exec();
    } catch (RuntimeException e) {
      log.debug("kill {}: {}", n, e.toString());
    }
    waitUntilStopped(n);
    n.running = false;
  }

  /** Starts a killed member's container again, on the same data. Does not wait for readiness. */
  public synchronized void restart(MemberNode n) {
    if (n.running) {
      return;
    }
    docker.startContainerCmd(n.containerId).exec();
    n.running = true;
  }

  public synchronized void pause(MemberNode n) {
    if (n.running && !n.paused) {
      docker.pauseContainerCmd(n.containerId).exec();
      n.paused = true;
    }
  }

  public synchronized void unpause(MemberNode n) {
    if (n.paused) {
      docker.unpauseContainerCmd(n.containerId).exec();
      n.paused = false;
    }
  }

  /** Drops all traffic between {@code a} and {@code b} (both directions, on both sides). */
  public synchronized void cut(MemberNode a, MemberNode b) {
    iptables(a, "-A", "INPUT", "-s", b.ip, "-j", "DROP");
    iptables(a, "-A", "OUTPUT", "-d", b.ip, "-j", "DROP");
    iptables(b, "-A", "INPUT", "-s", a.ip, "-j", "DROP");
    iptables(b, "-A", "OUTPUT", "-d", a.ip, "-j", "DROP");
  }

  /** Drops a random share of the packets {@code n} receives from its peers. */
  public synchronized void loss(MemberNode n, double probability) {
    iptables(n, "-A", "INPUT", "-s", subnetPrefix + "0/24", "!", "-s", subnetPrefix + "1",
        "-m", "statistic", "--mode", "random", "--probability", String.format("%.2f",
            probability), "-j", "DROP");
  }

  /** Removes every iptables rule of every running member. */
  public synchronized void healNetwork() {
    for (MemberNode n : nodes) {
      if (n.running) {
        boolean wasPaused = n.paused;
        unpause(n);
        iptables(n, "-F", "INPUT");
        iptables(n, "-F", "OUTPUT");
        if (wasPaused) {
          pause(n);
        }
      }
    }
  }

  /** Ends every fault: members unpaused, restarted, their rules flushed, clients reconnected. */
  public synchronized void healAll() {
    for (MemberNode n : nodes) {
      unpause(n);
      if (!n.running) {
        restart(n);
      }
    }
    healNetwork();
    healClients();
  }

  // ---------------------------------------------------------------- client links

  /**
   * Endpoints for a client of the test JVM named {@code name} that reach every member through
   * proxies of its own ({@link ClientProxy}), so {@link #isolateClient} can cut that client off
   * the whole cluster, as a partition between an application replica and the cluster would.
   *
   * @param preferred whether the nemesis should pick this client over the others right now (an
   *     election replica that leads, say)
   */
  public synchronized List<String> linkClient(String name,
      java.util.function.BooleanSupplier preferred) {
    List<ClientProxy> proxies = new ArrayList<>();
    for (MemberNode n : nodes) {
      proxies.add(new ClientProxy(new java.net.InetSocketAddress("127.0.0.1", n.hostPort),
          name + "-" + n.name));
    }
    links.put(name, new ClientLink(name, proxies, preferred));
    return proxies.stream().map(ClientProxy::endpoint).toList();
  }

  /**
   * Cuts one linked client off every member: one the {@code preferred} suppliers name if any,
   * else a random one. Returns its name, or empty if no client is linked.
   */
  public synchronized Optional<String> isolateClient(Random random) {
    List<ClientLink> all = new ArrayList<>(links.values());
    if (all.isEmpty()) {
      return Optional.empty();
    }
    List<ClientLink> preferred = all.stream().filter(l -> l.preferred().getAsBoolean()).toList();
    List<ClientLink> from = preferred.isEmpty() ? all : preferred;
    ClientLink victim = from.get(random.nextInt(from.size()));
    victim.proxies().forEach(ClientProxy::cut);
    return Optional.of(victim.name() + (preferred.isEmpty() ? "" : " (preferred)"));
  }

  /**
   * Closes the proxies of a linked client, dropping its connections and whatever they held, as
   * when the client's process dies; the client can no longer reach any member.
   */
  public synchronized void unlinkClient(String name) {
    ClientLink l = links.remove(name);
    if (l != null) {
      l.proxies().forEach(ClientProxy::close);
    }
  }

  /** Reconnects every linked client: what its proxies held is delivered now. */
  public synchronized void healClients() {
    for (ClientLink l : links.values()) {
      l.proxies().forEach(ClientProxy::heal);
    }
  }

  private void iptables(MemberNode n, String... args) {
    if (!n.running || n.paused) {
      return;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add("iptables");
    cmd.add("-w");
    cmd.addAll(List.of(args));
    try {
      ExecCreateCmdResponse exec = docker.execCreateCmd(n.containerId)
          .withCmd(cmd.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true)
          .exec();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      docker.execStartCmd(exec.getId()).exec(new ResultCallback.Adapter<Frame>() {
        @Override
        public void onNext(Frame frame) {
          out.writeBytes(frame.getPayload());
        }
      }).awaitCompletion(20, TimeUnit.SECONDS);
      Long code = docker.inspectExecCmd(exec.getId()).exec().getExitCodeLong();
      if (code != null && code != 0) {
        log.warn("iptables on {} {} exited {}: {}", n, cmd, code, out.toString(
            StandardCharsets.UTF_8).trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The member stopped meanwhile (killed by an overlapping fault): nothing to do there.
      log.debug("iptables on {}: {}", n, e.toString());
    }
  }

  private void waitUntilStopped(MemberNode n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Boolean running = docker.inspectContainerCmd(n.containerId).exec().getState().getRunning();
      if (running == null || !running) {
        return;
      }
      sleep(20);
    }
    throw new IllegalStateException(n + " did not stop after SIGKILL");
  }

  // ---------------------------------------------------------------- membership

  /**
   * Replaces {@code n}: removes it from the cluster through another member, deletes its container
   * and data, adds its peer URL back as a new member and starts a fresh container that joins with
   * {@code --initial-cluster-state existing}. Returns the new member id.
   */
  public synchronized long replace(MemberNode n, KvClient client) throws Exception {
    long id = memberId(n, client);
    try {
      client.cluster().remove(MemberRemoveRequest.newBuilder().setID(id).build())
          .get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The outcome may be unknown: the member list says whether the removal happened.
      log.warn("member remove of {} failed ({}); checking the member list", n, e.toString());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (isMember(n, client)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(n + " is still a member 20 s after member remove");
      }
      sleep(500);
    }
    if (n.paused) {
      unpause(n);
    }
    String oldId = n.containerId;
    n.earlierLogs.append(logsOf(oldId));
    try {
      docker.removeContainerCmd(oldId).withForce(true).withRemoveVolumes(true).exec();
    } catch (RuntimeException e) {
      log.debug("remove {}: {}", n, e.toString());
    }
    containers.removeIf(c -> oldId.equals(c.getContainerId()));
    n.running = false;
    n.closeClient();
    MemberAddResponse added = client.cluster().add(MemberAddRequest.newBuilder()
        .addPeerURLs(n.peerUrl()).build()).get(15, TimeUnit.SECONDS);
    Map<String, String> initial = new LinkedHashMap<>();
    for (Member m : added.getMembersList()) {
      String url = m.getPeerURLs(0);
      String name = nodes.stream().filter(x -> x.peerUrl().equals(url)).map(x -> x.name)
          .findFirst().orElse(m.getName());
      initial.put(name, url);
    }
    initial.put(n.name, n.peerUrl());
    String flag = initial.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
    startContainer(n, flag, "existing");
    return added.getMember().getID();
  }

  private boolean isMember(MemberNode n, KvClient client) {
    try {
      return client.cluster().list(MemberListRequest.getDefaultInstance())
          .get(10, TimeUnit.SECONDS).getMembersList().stream()
          .anyMatch(m -> m.getPeerURLsList().contains(n.peerUrl()));
    } catch (Exception e) {
      return true;
    }
  }

  private long memberId(MemberNode n, KvClient client) throws Exception {
    for (Member m : client.cluster().list(MemberListRequest.getDefaultInstance())
        .get(10, TimeUnit.SECONDS).getMembersList()) {
      if (m.getPeerURLsList().contains(n.peerUrl())) {
        return m.getID();
      }
    }
    throw new IllegalStateException(n + " is not in the member list");
  }

  // ---------------------------------------------------------------- observation

  /** The member's status, or empty if it does not answer within a second or two. */
  public Optional<StatusResponse> status(MemberNode n) {
    if (!n.running || n.paused) {
      return Optional.empty();
    }
    try {
      return Optional.of(n.client().maintenance().status(StatusRequest.getDefaultInstance())
          .get(2, TimeUnit.SECONDS));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** The member the majority of answering members names as leader, if any. */
  public Optional<MemberNode> leader() {
    Map<Long, MemberNode> byId = new LinkedHashMap<>();
    Map<Long, Integer> votes = new LinkedHashMap<>();
    for (MemberNode n : nodes) {
      Optional<StatusResponse> s = status(n);
      if (s.isPresent()) {
        byId.put(s.get().getHeader().getMemberId(), n);
        if (s.get().getLeader() != 0) {
          votes.merge(s.get().getLeader(), 1, Integer::sum);
        }
      }
    }
    return votes.entrySet().stream().max(Map.Entry.comparingByValue())
        .map(e -> byId.get(e.getKey()));
  }

  /**
   * Waits until every member answers a linearizable read itself, i.e. is running, connected and
   * caught up with a leader. Returns false on timeout.
   */
  public boolean awaitAllServing(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (MemberNode n : nodes) {
      while (true) {
        try {
          n.client().kv().range(RangeRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("chaos-probe")).build()).get(3, TimeUnit.SECONDS);
          break;
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            log.warn("{} does not serve: {}", n, e.toString());
            return false;
          }
          sleep(200);
        }
      }
    }
    return true;
  }

  /**
   * HashKV of every member at {@code revision}, retried until each member has applied it. The
   * map holds "hash/compactRevision" per member name, or the error.
   */
  public Map<String, String> hashKv(long revision, Duration timeout) {
    Map<String, String> result = new LinkedHashMap<>();
    for (MemberNode n : nodes) {
      long deadline = System.nanoTime() + timeout.toNanos();
      String value;
      while (true) {
        try {
          StatusResponse s = n.client().maintenance().status(StatusRequest.getDefaultInstance())
              .get(3, TimeUnit.SECONDS);
          if (s.getRaftAppliedIndex() < s.getRaftIndex()
              && System.nanoTime() < deadline) {
            sleep(200);
            continue;
          }
          HashKVResponse h = n.client().maintenance().hashKv(HashKVRequest.newBuilder()
              .setRevision(revision).build()).get(5, TimeUnit.SECONDS);
          value = Integer.toUnsignedString(h.getHash()) + "/" + h.getCompactRevision();
          break;
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            value = "error: " + e;
            break;
          }
          sleep(300);
        }
      }
      result.put(n.name, value);
    }
    return result;
  }

  /** Everything every member wrote to stdout and stderr, earlier containers of a slot included. */
  public Map<String, String> logs() {
    Map<String, String> logs = new LinkedHashMap<>();
    for (MemberNode n : nodes) {
      logs.put(n.name, n.earlierLogs + (n.containerId == null ? "" : logsOf(n.containerId)));
    }
    return logs;
  }

  private String logsOf(String containerId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true)
          .exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
              out.writeBytes(frame.getPayload());
            }
          }).awaitCompletion(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      return "(logs unavailable: " + e + ")\n";
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Writes each member's log to {@code dir/<name>.log}. */
  public void saveLogs(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, String> e : logs().entrySet()) {
      Files.writeString(dir.resolve(e.getKey() + ".log"), e.getValue());
    }
  }

  @Override
  public synchronized void close() {
    for (ClientLink l : links.values()) {
      l.proxies().forEach(ClientProxy::close);
    }
    links.clear();
    for (MemberNode n : nodes) {
      n.closeClient();
      if (n.paused) {
        try {
          unpause(n);
        } catch (RuntimeException e) {
          log.debug("unpause {}: {}", n, e.toString());
        }
      }
    }
    for (GenericContainer<?> c : containers) {
      try {
        c.stop();
      } catch (RuntimeException e) {
        log.warn("stopping {}: {}", c.getContainerId(), e.toString());
      }
    }
    containers.clear();
    if (network != null) {
      try {
        network.close();
      } catch (RuntimeException e) {
        log.warn("removing network: {}", e.toString());
      }
    }
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines),
        all.length));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
