package io.kvstore.bench;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.mvcc.LeaseLookup;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * kv-server's {@link MvccStore} on a RocksDB {@link Backend} in a temporary directory, as the
 * apply path drives it: {@code put} is one write txn with one 256-byte put committed with the
 * next Raft index (a new revision of a random existing key); {@code range} is a point read of a
 * random key; {@code rangePrefix} reads {@code 100} consecutive keys. The store holds {@code keys}
 * keys written before measuring. The directory is deleted in teardown.
 *
 * <p>Thread-safety: per-thread state; run it with one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MvccStoreBenchmark {
  private static final int PREFIX_READ = 100;

  @Param({"10000", "100000"})
  public int keys;

  private Path dir;
  private Backend backend;
  private MvccStore store;
  private long index;
  private ByteString value;
  private ByteString[] keyBytes;
  private final SplittableRandom random = new SplittableRandom(7);

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("kvstore-mvcc-bench");
    backend = Backend.open(dir.resolve("db"));
    store = MvccStore.open(backend, LeaseLookup.ANY);
    index = backend.appliedIndex();
    value = Payloads.random(1, 11).get(0);
    keyBytes = new ByteString[keys];
    for (int i = 0; i < keys; i++) {
      keyBytes[i] = ByteString.copyFromUtf8(String.format("/bench/key/%08d", i));
    }
    int batch = 1000;
    for (int from = 0; from < keys; from += batch) {
      WriteTxn txn = store.beginWrite();
      for (int i = from; i < Math.min(keys, from + batch); i++) {
        txn.put(PutRequest.newBuilder().setKey(keyBytes[i]).setValue(value).build());
      }
      txn.commit(++index);
    }
  }

  @Benchmark
  public long put() {
    WriteTxn txn = store.beginWrite();
    txn.put(PutRequest.newBuilder().setKey(keyBytes[random.nextInt(keys)]).setValue(value)
        .build());
    return txn.commit(++index).revision();
  }

  @Benchmark
  public RangeResponse range() {
    return store.range(RangeRequest.newBuilder().setKey(keyBytes[random.nextInt(keys)]).build());
  }

  @Benchmark
  public RangeResponse rangePrefix() {
    int from = random.nextInt(keys - PREFIX_READ);
    return store.range(RangeRequest.newBuilder().setKey(keyBytes[from])
        .setRangeEnd(keyBytes[from + PREFIX_READ]).build());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try {
      backend.close();
    } finally {
      deleteRecursively(dir);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
