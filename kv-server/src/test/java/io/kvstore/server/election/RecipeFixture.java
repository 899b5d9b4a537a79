package io.kvstore.server.election;

import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.api.v3electionpb.ElectionGrpc;
import io.kvstore.api.v3lockpb.LockGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The Election and Lock services over a {@link LocalKeyspace}, served in-process with handlers
 * run on the transport thread (as the member serves them, so a blocking handler would stall the
 * tests), and stubs to call them. Test thread only; close after use.
 */
final class RecipeFixture implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  final LocalKeyspace keyspace;
  final KeyWatches watches;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final Server server;
  private final ManagedChannel channel;

  RecipeFixture(Path dir) {
    keyspace = new LocalKeyspace(dir);
    watches = new KeyWatches(keyspace.hub());
    String name = InProcessServerBuilder.generateName();
    try {
      server = InProcessServerBuilder.forName(name).directExecutor()
          .addService(new ElectionService(keyspace, watches, executor))
          .addService(new LockService(keyspace, watches, executor))
          .build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  ElectionGrpc.ElectionBlockingStub election() {
    return ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  ElectionGrpc.ElectionStub electionAsync() {
    return ElectionGrpc.newStub(channel);
  }

  LockGrpc.LockBlockingStub lock() {
    return LockGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  LockGrpc.LockStub lockAsync() {
    return LockGrpc.newStub(channel);
  }

  long grant() {
    return join(keyspace.grantLease(60));
  }

  void revoke(long lease) {
    join(keyspace.revokeLease(lease));
  }

  /** The keys under {@code prefix}, in key order. */
  List<KeyValue> keys(String prefix) {
    ByteString p = bs(prefix);
    return join(keyspace.range(RangeRequest.newBuilder().setKey(p)
        .setRangeEnd(RecipeKeys.prefixEnd(p)).build())).getKvsList();
  }

  /** The keys the services watch now. */
  List<String> watched() {
    return watches.watchedKeys().stream().map(ByteString::toStringUtf8).sorted().toList();
  }

  /**
   * Waits until the services watch exactly {@code keys} (in any order, repeats counting): how a
   * test knows its waiting calls have all read their queue and settled on their predecessors.
   */
  void awaitWatched(String... keys) {
    List<String> expected = java.util.Arrays.stream(keys).sorted().toList();
    eventually(this::watched, expected::equals);
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static String key(String name, long lease) {
    return name + "/" + Long.toHexString(lease);
  }

  static <T> T join(CompletableFuture<T> f) {
    try {
      return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete within " + WAIT, e);
    }
  }

  /**
   * Polls {@code value} every 10 ms until {@code ok} accepts it, for state that changes on
   * another thread once the event the test caused has been processed; fails after {@link #WAIT}.
   */
  static <T> T eventually(Supplier<T> value, Predicate<T> ok) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      T v = value.get();
      if (ok.test(v)) {
        return v;
      }
      if (System.nanoTime() - deadline > 0) {
        fail("condition did not hold within %s; last value: %s", WAIT, v);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    executor.shutdown();
    executor.awaitTermination(5, TimeUnit.SECONDS);
    keyspace.close();
  }
}
