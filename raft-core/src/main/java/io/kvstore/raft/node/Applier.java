package io.kvstore.raft.node;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies committed entries to the {@link StateMachine} on a thread of its own, in log order, so
 * that a long apply (a delete of a hundred thousand keys) never stalls the Raft event loop's
 * ticks and heartbeats — the split etcd makes between its raft and apply goroutines.
 *
 * <p>Work arrives in order through {@link #apply}, {@link #restore} and {@link #snapshot}; each
 * finished batch is reported to the {@link Listener} on the applier thread. Conf-change entries
 * are not applied here: the event loop applies them itself after {@link #awaitIdle()} returns, and
 * tells this applier through {@link #confChangeApplied} while it is idle.
 *
 * <p>Thread-safety: the enqueueing methods and {@link #appliedIndex()} may be called from any
 * thread. The state machine is touched only by the applier thread, or by the event loop while
 * the applier is idle (between {@link #awaitIdle()} returning and the next enqueued task).
 *
 * <p>Invariants: {@link #appliedIndex()} only grows, except when a snapshot replaces the state;
 * {@code confState} is the configuration as of the applied index.
 */
final class Applier implements AutoCloseable {
  /** What a finished batch of entries produced, for completing proposals. */
  record Applied(long index, long term, Object result) {}

  /** Receives the applier's progress on the applier thread. */
  interface Listener {
    /** A batch was applied; {@code applied} is the state machine's applied index after it. */
    void onApplied(List<Applied> results, long applied);

    /** A snapshot was captured at {@code meta}; {@code writer} streams it. */
    void onSnapshotCaptured(SnapshotMetadata meta, SnapshotWriter writer);

    /** Capturing the snapshot at {@code meta} failed; the state is unchanged. */
    void onSnapshotFailed(SnapshotMetadata meta, IOException cause);

    /** Applying failed; the member must stop. */
    void onFailure(Throwable failure);
  }

  private final StateMachine stateMachine;
  private final Listener listener;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final Thread thread;

  private volatile long appliedIndex;
  /** Term of the entry at {@link #appliedIndex}, for snapshot metadata; 0 until known. */
  private volatile long appliedTerm;
  private volatile ConfState confState;
  private volatile boolean closed;

  Applier(StateMachine stateMachine, long appliedTerm, ConfState confState, String threadName,
      Listener listener) {
    this.stateMachine = stateMachine;
    this.listener = listener;
    this.appliedIndex = stateMachine.appliedIndex();
    this.appliedTerm = appliedTerm;
    this.confState = confState;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  long appliedIndex() {
    return appliedIndex;
  }

  /** Queues normal entries (no conf changes) for applying, in log order. */
  void apply(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    List<Entry> batch = List.copyOf(entries);
    tasks.add(() -> applyBatch(batch));
  }

  /** Queues a snapshot install; the entries queued before it are applied first. */
  void restore(SnapshotMetadata meta, SnapshotOpener opener) {
    tasks.add(() -> {
      try (InputStream in = opener.open(meta)) {
        stateMachine.restore(meta, in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot install snapshot " + meta.getTerm() + "/"
            + meta.getIndex(), e);
      }
      appliedIndex = stateMachine.appliedIndex();
      appliedTerm = meta.getTerm();
      confState = meta.getConfState();
      listener.onApplied(List.of(), appliedIndex);
    });
  }

  /** Queues a snapshot capture of the state as of everything queued before it. */
  void snapshot() {
    tasks.add(() -> {
      SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(appliedIndex)
          .setTerm(appliedTerm)
          .setConfState(confState).build();
      try {
        listener.onSnapshotCaptured(meta, stateMachine.snapshot());
      } catch (IOException e) {
        listener.onSnapshotFailed(meta, e);
      }
    });
  }

  /**
   * Blocks until everything queued before this call is applied, so that the caller may touch the
   * state machine until it queues more.
   *
   * @throws IllegalStateException if the applier stopped first
   */
  void awaitIdle() throws InterruptedException {
    CompletableFuture<Void> idle = new CompletableFuture<>();
    tasks.add(() -> idle.complete(null));
    while (true) {
      try {
        idle.get(100, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        if (!thread.isAlive()) {
          throw new IllegalStateException("the applier stopped before applying what was queued");
        }
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
  }

  /** Records a conf change the event loop applied at {@code index} while this applier was idle. */
  void confChangeApplied(long index, long term, ConfState newConfState) {
    appliedIndex = index;
    appliedTerm = term;
    confState = newConfState;
  }

  private void applyBatch(List<Entry> batch) {
    List<Applied> results = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      if (e.getIndex() <= appliedIndex) {
        continue;
      }
      Object result = stateMachine.apply(e);
      results.add(new Applied(e.getIndex(), e.getTerm(), result));
      appliedTerm = e.getTerm();
      appliedIndex = e.getIndex();
    }
    listener.onApplied(results, appliedIndex);
  }

  private void run() {
    try {
      while (!closed) {
        Runnable task = tasks.poll(100, TimeUnit.MILLISECONDS);
        if (task != null) {
          task.run();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      listener.onFailure(e);
    }
  }

  /** Stops after the task being run, leaving the rest unapplied (the log still holds them). */
  @Override
  public void close() {
    closed = true;
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Opens a stored snapshot's data. */
  interface SnapshotOpener {
    InputStream open(SnapshotMetadata meta) throws IOException;
  }
}
