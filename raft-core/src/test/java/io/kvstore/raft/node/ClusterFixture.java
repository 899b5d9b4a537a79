package io.kvstore.raft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.kvstore.raft.core.ProposalDroppedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

/**
 * A cluster of {@link ClusterMember}s on loopback with fast timing (20 ms ticks, 10 ticks to an
 * election), each in its own directory under a test's temp dir. Every wait is a bounded poll of
 * at most {@link #WAIT}.
 *
 * <p>Thread-safety: not thread-safe; for the test thread only.
 */
final class ClusterFixture implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Path root;
  private final UnaryOperator<RaftNodeConfig> tuning;
  private final List<Long> initialVoters;
  private final Map<Long, ClusterMember> members = new TreeMap<>();

  private ClusterFixture(Path root, List<Long> initialVoters, UnaryOperator<RaftNodeConfig> tuning) {
    this.root = root;
    this.initialVoters = initialVoters;
    this.tuning = tuning;
  }

  /**
   * Starts members 1..{@code size} as a new cluster. Ports are picked by the kernel, so nobody
   * knows another's address before it started: each member bootstraps without addresses (the
   * bootstrap entries must be identical everywhere) and is told the others' once all listen.
   *
   * @param tuning adjusts each member's config after the fast-timing defaults
   */
  static ClusterFixture start(Path root, int size, UnaryOperator<RaftNodeConfig> tuning)
      throws IOException {
    List<Long> voters = LongStream.rangeClosed(1, size).boxed().toList();
    ClusterFixture cluster = new ClusterFixture(root, voters, tuning);
    try {
      for (long id : voters) {
        cluster.newMember(id).start(voters, Map.of());
      }
      for (ClusterMember m : cluster.members.values()) {
        for (ClusterMember other : cluster.members.values()) {
          m.node().addPeer(other.id, other.address());
        }
      }
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  static ClusterFixture start(Path root, int size) throws IOException {
    return start(root, size, UnaryOperator.identity());
  }

  ClusterMember member(long id) {
    ClusterMember m = members.get(id);
    if (m == null) {
      throw new IllegalArgumentException("no member " + id);
    }
    return m;
  }

  List<ClusterMember> running() {
    return members.values().stream().filter(ClusterMember::running).toList();
  }

  /** The running member that leads at the highest term, waiting up to {@link #WAIT} for one. */
  ClusterMember leader() {
    return awaitValue(this::currentLeader, "a leader among the running members");
  }

  /** A running member other than the current leader. */
  ClusterMember follower() {
    long leader = leader().id;
    return running().stream().filter(m -> m.id != leader).findFirst().orElseThrow();
  }

  /**
   * Puts {@code key} through the leader, retrying where a {@link ProposalDroppedException} points
   * (or at whoever leads) until it is applied there; returns the previous value.
   */
  String put(String key, String value) {
    return (String) submit(node -> node.propose(TestKvStateMachine.put(key, value)));
  }

  /**
   * Submits a request built by {@code request} to the leader, retrying a dropped one on the hinted
   * or newly found leader, for at most {@link #WAIT}; returns its result.
   */
  Object submit(Function<RaftNode, CompletableFuture<Object>> request) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    ClusterMember target = leader();
    while (true) {
      try {
        return request.apply(target.node()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ProposalDroppedException dropped)
            || System.nanoTime() - deadline > 0) {
          throw new AssertionError("request to member " + target.id + " failed", e.getCause());
        }
        LockSupport.parkNanos(POLL_NANOS);
        target = Optional.ofNullable(members.get(dropped.leaderHint()))
            .filter(ClusterMember::running).orElseGet(this::leader);
      } catch (TimeoutException e) {
        throw new AssertionError("request to member " + target.id + " hung for " + WAIT, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** Stops a member abruptly; its directories and port are kept for {@link #restart}. */
  void stop(long id) {
    member(id).stop();
  }

  /** Restarts a stopped member from its directories, on its old port. */
  void restart(long id) throws IOException {
    member(id).start(initialVoters, addressesExcept(id));
  }

  /**
   * Starts a new, empty member on a free port that joins an existing cluster (no bootstrap
   * voters) and knows the addresses of every member started so far; the caller adds it to the
   * configuration.
   */
  ClusterMember join(long id) throws IOException {
    Map<Long, InetSocketAddress> peers = addressesExcept(id);
    ClusterMember m = newMember(id);
    m.start(List.of(), peers);
    return m;
  }

  /**
   * Waits until every running member's map equals {@code expected}, then asserts it (so a timeout
   * reports the difference).
   */
  void awaitContents(Map<String, String> expected) {
    poll(() -> running().stream().allMatch(m -> m.stateMachine().contents().equals(expected)));
    for (ClusterMember m : running()) {
      assertThat(m.stateMachine().contents()).as("state machine of member %d", m.id)
          .isEqualTo(expected);
    }
  }

  /** Waits up to {@link #WAIT} for {@code condition}; fails naming {@code what} if it never holds. */
  static void await(BooleanSupplier condition, String what) {
    if (!poll(condition)) {
      fail("timed out after %s waiting for %s", WAIT, what);
    }
  }

  /** Stops every running member, each even if another fails to stop. */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (ClusterMember m : members.values()) {
      try {
        m.stop();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private ClusterMember newMember(long id) {
    if (members.containsKey(id)) {
      throw new IllegalArgumentException("member " + id + " exists");
    }
    RaftNodeConfig config = tuning.apply(RaftNodeConfig.defaults(id)
        .withTiming(Duration.ofMillis(20), 10));
    ClusterMember m = new ClusterMember(id, root.resolve("member-" + id), config);
    members.put(id, m);
    return m;
  }

  private Map<Long, InetSocketAddress> addressesExcept(long id) {
    Map<Long, InetSocketAddress> peers = new TreeMap<>();
    members.values().stream().filter(m -> m.id != id).forEach(m -> peers.put(m.id, m.address()));
    return peers;
  }

  private Optional<ClusterMember> currentLeader() {
    return running().stream().filter(m -> m.node().status().isLeader())
        .max(Comparator.comparingLong(m -> m.node().status().term()));
  }

  private static <T> T awaitValue(Supplier<Optional<T>> probe, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() - deadline > 0) {
        return fail("timed out after %s waiting for %s", WAIT, what);
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static boolean poll(BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    return true;
  }
}
