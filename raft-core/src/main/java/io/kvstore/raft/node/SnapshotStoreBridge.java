package io.kvstore.raft.node;

import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotReceiver;
import io.kvstore.raft.storage.SnapshotStore;
import io.kvstore.raft.transport.SnapshotSink;
import io.kvstore.raft.transport.SnapshotSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the transport stream snapshot files out of, and into, a {@link SnapshotStore}.
 *
 * <p>Thread-safety: safe for concurrent use, as the store is.
 */
public final class SnapshotStoreBridge implements SnapshotSource, SnapshotSink {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStoreBridge.class);

  private final SnapshotStore store;

  public SnapshotStoreBridge(SnapshotStore store) {
    this.store = store;
  }

  @Override
  public Optional<Path> file(long term, long index) {
    return store.file(term, index);
  }

  @Override
  public Receiver receive(SnapshotMetadata meta) throws IOException {
    SnapshotReceiver r = store.receive(meta);
    return new Receiver() {
      @Override
      public void write(byte[] chunk) throws IOException {
        r.write(chunk);
      }

      @Override
      public void commit() throws IOException {
        r.commit();
      }

      @Override
      public void abort() {
        try {
          r.abort();
        } catch (IOException e) {
          LOG.warn("could not discard a partly received snapshot: {}", e.toString());
        }
      }
    };
  }
}
