package io.kvstore.server.etcd;

import io.grpc.stub.ServerCallStreamObserver;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.bbolt.EtcdSnapshot;
import io.kvstore.server.mvcc.MvccStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Streams a copy of the backend to a client as etcd's {@code Maintenance.Snapshot} does: the data
 * in chunks of {@value #CHUNK_BYTES} bytes, each with the bytes still to come, then one last
 * message holding the SHA-256 of everything before it. The data is what etcd 3.4 streams, a bbolt
 * database with etcd's buckets ({@link EtcdSnapshot#export}), converted from a RocksDB checkpoint
 * into a temporary file in the staging directory (never the whole database in memory), so
 * {@code etcdctl snapshot status} and {@code snapshot restore} read it and real etcd starts from
 * it. (Snapshots between members stay RocksDB checkpoints.)
 *
 * <p>Thread-safety: safe for concurrent use; each call blocks its (non-gRPC) thread while it
 * streams, waiting for the client whenever gRPC's flow control says so.
 */
public final class SnapshotStreamer {
  static final int CHUNK_BYTES = 32 * 1024;
  /**
   * etcdctl recognises the SHA-256 trailer only after data whose size is a multiple of 512; a
   * bbolt file always is (4096-byte pages), the padding is a safeguard.
   */
  private static final int PAGE_BYTES = 512;
  private static final long READY_POLL_MS = 5;

  private final MvccStore store;
  private final Path staging;
  private final AtomicLong seq = new AtomicLong();

  /** @param staging a directory for temporary files, owned by this streamer's member */
  public SnapshotStreamer(MvccStore store, Path staging) {
    this.store = store;
    this.staging = staging;
  }

  /** A piece of the stream. Immutable. */
  record Blob(byte[] bytes, long remaining) {}

  /** Streams a fresh snapshot to {@code call}, building each response with {@code message}. */
  <T> void stream(ServerCallStreamObserver<T> call, Function<Blob, T> message) {
    long n = seq.incrementAndGet();
    Path checkpoint = staging.resolve("export-" + n);
    Path file = staging.resolve("export-" + n + ".db");
    try {
      Files.createDirectories(staging);
      // Only the checkpoint (hard links) is taken while a restore is held off; the conversion
      // reads the checkpoint, a fixed copy, while the member goes on applying.
      store.readBackend((backend, rev, compacted) -> {
        backend.checkpoint(checkpoint);
        return null;
      });
      try (Backend copy = Backend.open(checkpoint)) {
        EtcdSnapshot.export(copy, file);
      }
      deleteRecursively(checkpoint);
      long size = Files.size(file);
      try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
        out.write(new byte[(int) ((PAGE_BYTES - size % PAGE_BYTES) % PAGE_BYTES)]);
      }
      send(file, call, message);
    } catch (IOException | RuntimeException e) {
      if (!call.isCancelled()) {
        call.onError(GrpcErrors.toStatus(e).asRuntimeException());
      }
    } finally {
      try {
        deleteRecursively(checkpoint);
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // Left for the next start, which empties the staging directory.
      }
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  private static <T> void send(Path archive, ServerCallStreamObserver<T> call,
      Function<Blob, T> message) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    long remaining = Files.size(archive);
    try (InputStream in = Files.newInputStream(archive)) {
      byte[] buf = new byte[CHUNK_BYTES];
      int read;
      while ((read = in.readNBytes(buf, 0, buf.length)) > 0) {
        if (!awaitReady(call)) {
          return;
        }
        sha256.update(buf, 0, read);
        remaining -= read;
        call.onNext(message.apply(new Blob(Arrays.copyOf(buf, read), remaining)));
      }
    }
    if (awaitReady(call)) {
      call.onNext(message.apply(new Blob(sha256.digest(), 0)));
      call.onCompleted();
    }
  }

  /** Waits until gRPC can take another message; false if the client went away. */
  private static boolean awaitReady(ServerCallStreamObserver<?> call) {
    while (!call.isReady()) {
      if (call.isCancelled()) {
        return false;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(READY_POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return !call.isCancelled();
  }
}
