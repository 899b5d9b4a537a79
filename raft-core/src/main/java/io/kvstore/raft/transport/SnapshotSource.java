package io.kvstore.raft.transport;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Implementations must be thread-safe: they are called from any transport I/O thread. Finds the
 * file of a snapshot the transport is asked to send.
 */
@FunctionalInterface
public interface SnapshotSource {

  /**
   * The file holding the snapshot at {@code term}/{@code index}, or empty if there is none. The
   * file must stay in place until the stream ends (the transport reports {@link
   * Transport.Inbound#onSnapshotStatus}).
   */
  Optional<Path> file(long term, long index);
}
