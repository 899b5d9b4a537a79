package io.kvstore.embedded;

import io.kvstore.client.KvClient;
import io.kvstore.client.KvCoordinationStore;
import io.kvstore.lease.CoordinationStore;
import io.kvstore.server.Member;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A kvstore member running inside the application's JVM: a single node needing no other set-up,
 * or a member of a cluster. It exposes the same API as a remote cluster — a {@link KvClient} and
 * the lease-api's {@link CoordinationStore} for sessions, elections, locks and leader electors —
 * bound to this member alone, so serializable reads are served locally; writes and linearizable
 * reads go through Raft as from any client. Other processes reach it at {@link #endpoint()}.
 *
 * <pre>
 * try (EmbeddedKvStore kv = EmbeddedKvStore.singleNode("scheduler", Path.of("data")).start()) {
 *   new LeaderElector(kv.coordination(), config, callbacks).start();
 * }
 * </pre>
 *
 * <p>Thread-safety: {@link #client()}, {@link #coordination()} and {@link #close()} are safe
 * from any thread.
 */
public final class EmbeddedKvStore implements AutoCloseable {
  private final Member.Started member;
  private final KvClient client;
  private final String endpoint;

  private EmbeddedKvStore(Member.Started member, KvClient client, String endpoint) {
    this.member = member;
    this.client = client;
    this.endpoint = endpoint;
  }

  /**
   * A single-node store in {@code dataDir} on free loopback ports (a restart may choose other
   * ports: a single member needs no peer to find it).
   */
  public static Builder singleNode(String name, Path dataDir) {
    int peerPort = freePort();
    int clientPort = freePort();
    String peer = "http://127.0.0.1:" + peerPort;
    return new Builder(clientPort, List.of("--name", name, "--data-dir", dataDir.toString(),
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--listen-client-urls", "http://127.0.0.1:" + clientPort,
        "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
        "--initial-cluster", name + "=" + peer));
  }

  /**
   * A member configured by etcd's flags, as {@code kv-server} takes them: to join a cluster, the
   * flags {@code kvctl member add} printed. {@code --listen-client-urls} must include a loopback
   * or local address at {@code clientPort}.
   */
  public static Builder withFlags(int clientPort, List<String> etcdFlags) {
    return new Builder(clientPort, etcdFlags);
  }

  /** The member's client endpoint, {@code 127.0.0.1:<port>}, for other clients and etcdctl. */
  public String endpoint() {
    return endpoint;
  }

  public long memberId() {
    return member.memberId();
  }

  /** A client bound to this member only. */
  public KvClient client() {
    return client;
  }

  /** Sessions, elections, locks and leader electors over this member. */
  public CoordinationStore coordination() {
    return new KvCoordinationStore(client);
  }

  /** Stops the client, then the member (its data stays in the data directory). */
  @Override
  public void close() {
    client.close();
    member.close();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free loopback port", e);
    }
  }

  /** Collects the settings, then starts the member. Not thread-safe. */
  public static final class Builder {
    private final int clientPort;
    private final List<String> flags;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration callTimeout = Duration.ofSeconds(10);

    private Builder(int clientPort, List<String> flags) {
      this.clientPort = clientPort;
      this.flags = new ArrayList<>(flags);
    }

    /** Extra etcd flags, such as {@code --snapshot-count} or {@code --quota-backend-bytes}. */
    public Builder flag(String name, String value) {
      flags.add(name);
      flags.add(value);
      return this;
    }

    /** How long {@link #start} waits for the member to serve (default 60 s). */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /** The deadline of each client call (default 10 s). */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = timeout;
      return this;
    }

    /**
     * Starts the member and returns once it serves clients.
     *
     * @throws IllegalArgumentException if a flag is wrong
     * @throws io.kvstore.server.StartRefusedException if the member cannot start here
     * @throws IllegalStateException if it does not serve within the start timeout (it is stopped)
     */
    public EmbeddedKvStore start() {
      Member.Started started = Member.withFlags(flags).start();
      try {
        started.ready().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        started.close();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the member started", e);
      } catch (ExecutionException | TimeoutException e) {
        started.close();
        throw new IllegalStateException("the member did not serve clients within "
            + startTimeout + " (is its cluster reachable?)", e);
      }
      String endpoint = "127.0.0.1:" + clientPort;
      KvClient client = KvClient.builder().endpoints(endpoint).callTimeout(callTimeout).build();
      return new EmbeddedKvStore(started, client, endpoint);
    }
  }
}
