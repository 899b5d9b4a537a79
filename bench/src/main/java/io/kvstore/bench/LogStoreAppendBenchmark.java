package io.kvstore.bench;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.storage.RocksDbLogStore;
import io.kvstore.raft.storage.RocksDbLogStoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Synced append throughput of {@link RocksDbLogStore}: each invocation is one {@code
 * save(hardState, entries)} of {@code batch} new 256-byte entries with a hard state whose commit
 * moves up to the previous batch, as the driver writes one Ready. Building the entries is
 * included. Every {@value #KEEP_ENTRIES} entries the log is compacted back to the last {@value
 * #KEEP_ENTRIES}, itself a synced write that the counters include.
 *
 * <p>The primary score is saves per second; the {@code entries} and {@code fsyncs} counters are
 * per second, so {@code fsyncs / entries} is the fsyncs per entry (1/batch plus compaction). The
 * trial teardown prints that ratio over the whole trial. The store lives in a temporary
 * directory, deleted in teardown.
 *
 * <p>Thread-safety: per-thread state; run it with one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogStoreAppendBenchmark {
  /** Entries kept after a compaction; a compaction runs once twice as many are stored. */
  private static final long KEEP_ENTRIES = 10_000;
  private static final long TERM = 1;

  @Param({"1", "16", "256"})
  public int batch;

  private Path dir;
  private RocksDbLogStore store;
  private ByteString payload;
  /** Fsyncs the store made before the first measured save (its format marker). */
  private long syncsAtStart;
  /** The index of the last saved entry. */
  private long lastIndex;

  /** Entries saved and WAL fsyncs made, reported per second. Reset for each iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counters {
    public long entries;
    public long fsyncs;

    @Setup(Level.Iteration)
    public void reset() {
      entries = 0;
      fsyncs = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("kvstore-logstore-bench");
    store = RocksDbLogStore.open(dir.resolve("log"), RocksDbLogStoreConfig.defaults());
    payload = Payloads.random(1, 42).get(0);
    syncsAtStart = store.syncCount();
    lastIndex = store.lastIndex();
  }

  @Benchmark
  public void save(Counters counters) {
    long syncsBefore = store.syncCount();
    List<Entry> entries = new ArrayList<>(batch);
    for (int i = 1; i <= batch; i++) {
      entries.add(
          Entry.newBuilder().setTerm(TERM).setIndex(lastIndex + i).setData(payload).build());
    }
    store.save(
        HardState.newBuilder().setTerm(TERM).setVote(1).setCommit(lastIndex).build(), entries);
    lastIndex += batch;
    if (lastIndex - store.firstIndex() >= 2 * KEEP_ENTRIES) {
      store.compact(lastIndex - KEEP_ENTRIES);
    }
    counters.entries += batch;
    counters.fsyncs += store.syncCount() - syncsBefore;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try {
      long fsyncs = store.syncCount() - syncsAtStart;
      System.out.printf("%nlog store, batch %d: %.4f fsyncs/entry (%d fsyncs, %d entries)%n",
          batch, (double) fsyncs / lastIndex, fsyncs, lastIndex);
    } finally {
      store.close();
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
