package io.kvstore.bench;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.mvcc.Commit;
import io.kvstore.server.mvcc.LeaseLookup;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import io.kvstore.server.watch.WatchBatch;
import io.kvstore.server.watch.WatchHub;
import io.kvstore.server.watch.WatchSink;
import io.kvstore.server.watch.WatchSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * Watch fan-out in kv-server's {@link WatchHub}: {@code watchers} synced watchers of one prefix,
 * each with a sink that accepts every batch (a stream that keeps up), over a real MVCC store.
 * One invocation commits one 256-byte put under the prefix and publishes the commit, as the apply
 * thread does; the hub offers the event to every watcher. The primary score is commits per
 * second; the {@code deliveries} counter is batches handed to sinks per second.
 *
 * <p>Thread-safety: per-thread state; run it with one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WatchFanoutBenchmark {
  @Param({"1000", "10000"})
  public int watchers;

  private Path dir;
  private Backend backend;
  private MvccStore store;
  private WatchHub hub;
  private long index;
  private ByteString value;
  private final LongAdder delivered = new LongAdder();

  /** Batches delivered, reported per second. Reset for each iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counters {
    public long deliveries;

    @Setup(Level.Iteration)
    public void reset() {
      deliveries = 0;
    }
  }

  /** Accepts everything, counts it, keeps nothing. */
  private final class CountingSink implements WatchSink {
    @Override
    public boolean offer(WatchBatch events) {
      delivered.increment();
      return true;
    }

    @Override
    public void force(WatchBatch notice) {}

    @Override
    public void synced() {}
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("kvstore-watch-bench");
    backend = Backend.open(dir.resolve("db"));
    store = MvccStore.open(backend, LeaseLookup.ANY);
    index = backend.appliedIndex();
    hub = new WatchHub(store);
    value = Payloads.random(1, 5).get(0);
    WatchSpec spec = WatchSpec.of(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("/w/")).setRangeEnd(ByteString.copyFromUtf8("/w0"))
        .build());
    CountingSink sink = new CountingSink();
    for (int i = 0; i < watchers; i++) {
      hub.watch(i, spec, sink, rev -> { });
    }
  }

  @Benchmark
  public long putAndPublish(Counters counters) {
    long before = delivered.sum();
    WriteTxn txn = store.beginWrite();
    txn.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/w/key")).setValue(value)
        .build());
    Commit commit = txn.commit(++index);
    hub.publish(commit);
    counters.deliveries += delivered.sum() - before;
    return commit.revision();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try {
      hub.close();
      backend.close();
    } finally {
      MvccStoreBenchmark.deleteRecursively(dir);
    }
  }
}
