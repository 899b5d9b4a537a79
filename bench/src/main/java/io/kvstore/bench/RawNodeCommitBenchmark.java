package io.kvstore.bench;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Propose-to-commit throughput of the pure Raft core: a three-member {@link LocalCluster} in one
 * thread, each member a {@code RawNode} over a {@code MemoryStorage}, Readys carried out as the
 * driver does, messages delivered synchronously. No disk, network, serialization or clock.
 *
 * <p>One invocation is one round: the leader proposes {@code batch} 256-byte payloads in one
 * {@code proposeBatch}, then the cluster settles (append, replicate, acknowledge, commit, apply
 * everywhere). The primary score is rounds per second; the {@code entries} counter is the
 * headline, entries applied on the leader per second.
 *
 * <p>Thread-safety: per-thread state; run it with one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawNodeCommitBenchmark {
  /** Applied entries kept in each member's log; older ones are compacted away. */
  private static final long KEEP_ENTRIES = 10_000;

  @Param({"1", "64", "1024"})
  public int batch;

  private LocalCluster cluster;
  private List<ByteString> proposals;

  /** Entries applied on the leader, reported per second. Reset for each iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counters {
    public long entries;

    @Setup(Level.Iteration)
    public void reset() {
      entries = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    cluster = LocalCluster.elected(3);
    proposals = Payloads.random(batch, 42);
  }

  @Benchmark
  public void proposeAndCommit(Counters counters) {
    LocalMember leader = cluster.leader();
    long before = leader.appliedIndex();
    leader.node.proposeBatch(proposals);
    cluster.settle();
    counters.entries += leader.appliedIndex() - before;
    cluster.trimLogs(KEEP_ENTRIES);
  }

  /** Fails the run if the cluster lost its leader or a member fell behind. */
  @TearDown(Level.Trial)
  public void checkConverged() {
    cluster.checkConverged();
  }
}
