package io.kvstore.server.etcd;

import io.grpc.stub.ServerCallStreamObserver;
import io.kvstore.server.mvcc.MvccStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Streams a copy of the backend to a client as etcd's {@code Maintenance.Snapshot} does: the data
 * in chunks of {@value #CHUNK_BYTES} bytes, each with the bytes still to come, then one last
 * message holding the SHA-256 of everything before it. etcd streams its bbolt file; kvstore
 * streams its snapshot archive (a RocksDB checkpoint), so tools that only store the stream and
 * check the trailer accept it, while tools that parse bbolt do not.
 *
 * <p>Thread-safety: safe for concurrent use; each call blocks its (non-gRPC) thread while it
 * streams, waiting for the client whenever gRPC's flow control says so.
 */
public final class SnapshotStreamer {
  static final int CHUNK_BYTES = 32 * 1024;
  /**
   * etcdctl recognises the SHA-256 trailer only after data whose size is a multiple of a bbolt
   * page, so the archive is padded with zeros (which its reader never reaches) to one.
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
    Path archive = staging.resolve("export-" + n + ".archive");
    try {
      Files.createDirectories(staging);
      try (OutputStream out = Files.newOutputStream(archive)) {
        store.readBackend((backend, rev, compacted) -> {
          try {
            backend.export(staging.resolve("export-" + n), out);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return null;
        });
        long size = Files.size(archive);
        out.write(new byte[(int) ((PAGE_BYTES - size % PAGE_BYTES) % PAGE_BYTES)]);
      }
      send(archive, call, message);
    } catch (IOException | RuntimeException e) {
      if (!call.isCancelled()) {
        call.onError(GrpcErrors.toStatus(e).asRuntimeException());
      }
    } finally {
      try {
        Files.deleteIfExists(archive);
      } catch (IOException e) {
        // Left for the next start, which empties the staging directory.
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
