package io.kvstore.raft.storage;

import java.nio.file.Path;

/**
 * A log store's files are damaged or inconsistent, so it was refused at open; nothing was
 * repaired or deleted. {@link #path()} is the damaged file, or the store's directory when the
 * damage is in the logical content rather than one file. Immutable.
 */
public final class LogStoreCorruptedException extends LogStoreException {
  private static final long serialVersionUID = 1L;

  private final transient Path path;

  public LogStoreCorruptedException(Path path, String message, Throwable cause) {
    super(message, cause);
    this.path = path;
  }

  /** The damaged file, or the store's directory. */
  public Path path() {
    return path;
  }
}
