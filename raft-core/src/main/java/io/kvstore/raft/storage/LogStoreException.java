package io.kvstore.raft.storage;

/**
 * A log store could not be opened, read or written (disk full, I/O error, handle closed). The
 * store does not retry; after a failed write the in-memory view still matches what is on disk.
 * Immutable.
 */
public class LogStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogStoreException(String message) {
    super(message);
  }

  public LogStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
