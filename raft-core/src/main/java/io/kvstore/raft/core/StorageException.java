package io.kvstore.raft.core;

/** A {@link Storage} read that cannot be answered; {@link #kind()} says why. Immutable. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a read failed. */
  public enum Kind {
    /** The requested index is older than the latest snapshot. */
    COMPACTED,
    /** The requested index is past the end of the log. */
    UNAVAILABLE,
    /** A snapshot is being prepared; try again later. */
    SNAPSHOT_TEMPORARILY_UNAVAILABLE
  }

  private final Kind kind;

  /** No stack trace: the core uses COMPACTED and UNAVAILABLE for ordinary control flow. */
  public StorageException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
