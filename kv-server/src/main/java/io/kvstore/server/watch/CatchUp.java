package io.kvstore.server.watch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that brings unsynced watchers up to date (etcd's {@code syncWatchersLoop} and
 * {@code syncVictimsLoop} in one): it runs catch-up rounds while they make progress, retries
 * every {@link #RETRY_MS} while some watcher is stuck behind a full sink, and otherwise sleeps
 * until {@linkplain #wake woken} (a watcher fell behind, or a sink drained).
 *
 * <p>Thread-safety: {@link #wake} and {@link #close} from any thread; this monitor is never held
 * while taking the hub's lock.
 */
final class CatchUp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);
  /** How soon a watcher whose sink was full is tried again without being woken. */
  static final long RETRY_MS = 10;
  /** How long the idle thread sleeps unwoken, a safety net only. */
  static final long IDLE_MS = 100;

  private final WatchHub hub;
  private final Thread thread;
  /** Guarded by {@code this}: set by {@link #wake}, cleared when a round starts. */
  private boolean woken;
  /** Guarded by {@code this}. */
  private boolean closed;

  CatchUp(WatchHub hub) {
    this.hub = hub;
    this.thread = new Thread(this::run, "watch-catch-up");
    thread.setDaemon(true);
  }

  /** Starts the thread; called once the hub is fully built. */
  void start() {
    thread.start();
  }

  synchronized void wake() {
    woken = true;
    notifyAll();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (awaitWork()) {
      try {
        while (hub.catchUpRound()) {
          if (isClosed()) {
            return;
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("watch catch-up failed, retrying: {}", e.toString());
      }
    }
  }

  /**
   * Waits until woken, or briefly if a watcher is still behind; false once closed. Asks the hub
   * before taking this monitor: the hub wakes this thread with its own lock held.
   */
  private boolean awaitWork() {
    long waitMs = hub.anyBehind() ? RETRY_MS : IDLE_MS;
    synchronized (this) {
      try {
        if (!woken && !closed) {
          wait(waitMs);
        }
      } catch (InterruptedException e) {
        return false;
      }
      woken = false;
      return !closed;
    }
  }

  private synchronized boolean isClosed() {
    return closed;
  }
}
