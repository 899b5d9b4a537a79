package io.kvstore.server.watch;

/**
 * One watch registered in the {@link WatchHub}: what it wants, where its batches go, and how far
 * it has got.
 *
 * <p>Thread-safety: the mutable fields are guarded by the hub's lock; the rest is immutable.
 */
public final class Watcher {
  /** Where a watcher is in its life. */
  enum State {
    /** Receives each commit's events as the hub is told of them. */
    SYNCED,
    /** Behind: the catch-up thread feeds it from history until it reaches the hub's revision. */
    UNSYNCED,
    /** Cancelled by its stream or because its next revision was compacted; receives nothing. */
    CANCELLED
  }

  private final long id;
  private final WatchSpec spec;
  private final WatchSink sink;
  /** The next revision this watcher must see; every change before it was delivered. */
  long nextRev;
  State state;

  Watcher(long id, WatchSpec spec, WatchSink sink, long nextRev, State state) {
    this.id = id;
    this.spec = spec;
    this.sink = sink;
    this.nextRev = nextRev;
    this.state = state;
  }

  public long id() {
    return id;
  }

  WatchSpec spec() {
    return spec;
  }

  WatchSink sink() {
    return sink;
  }
}
