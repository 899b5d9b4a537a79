package io.kvstore.lease;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Follows who leads an election: reads the oldest key under the prefix, then re-reads it after
 * every change under the prefix, reporting each new leader or value once, in revision order.
 *
 * <p>Thread-safety: callbacks may arrive on any thread; reporting is serialised on {@code this}.
 *
 * <p>Invariant: {@code reportedRevision} only grows, so a stale read never reports an older
 * leader after a newer one.
 */
final class LeaderObserver implements AutoCloseable {
  private final CoordinationStore store;
  private final String prefix;
  private final Consumer<KeyValue> onLeader;
  private final Consumer<Throwable> onError;

  private long reportedRevision;
  private KeyValue reported;
  private AutoCloseable watch;
  private boolean closed;

  LeaderObserver(CoordinationStore store, String prefix, Consumer<KeyValue> onLeader,
      Consumer<Throwable> onError) {
    this.store = store;
    this.prefix = prefix;
    this.onLeader = onLeader;
    this.onError = onError;
  }

  LeaderObserver start() {
    refresh();
    return this;
  }

  private void refresh() {
    store.firstCreated(prefix).whenComplete((lookup, error) -> {
      if (error != null) {
        fail(error);
      } else {
        report(lookup);
      }
    });
  }

  private synchronized void report(CoordinationStore.Lookup lookup) {
    if (closed || lookup.revision() <= reportedRevision) {
      return;
    }
    reportedRevision = lookup.revision();
    if (watch == null) {
      watch = store.watchPrefix(prefix, lookup.revision(), event -> refresh(), this::fail);
    }
    KeyValue leader = lookup.found().orElse(null);
    if (leader != null && !sameAs(leader)) {
      reported = leader;
      onLeader.accept(leader);
    }
  }

  private boolean sameAs(KeyValue leader) {
    return reported != null && reported.key().equals(leader.key())
        && reported.createRevision() == leader.createRevision()
        && Arrays.equals(reported.value(), leader.value());
  }

  private void fail(Throwable error) {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    close();
    onError.accept(error);
  }

  @Override
  public void close() {
    AutoCloseable w;
    synchronized (this) {
      closed = true;
      w = watch;
      watch = null;
    }
    if (w != null) {
      try {
        w.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop watching " + prefix, e);
      }
    }
  }
}
