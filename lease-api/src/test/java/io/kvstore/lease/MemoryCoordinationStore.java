package io.kvstore.lease;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-memory store with etcd's revision and lease rules, for testing the recipes: revisions
 * start at 1 and grow by one per write, a revoked or expired lease deletes its keys in one
 * revision. Leases expire only when the test says so ({@link #expire}); requests about chosen
 * leases can be made to go unanswered ({@link #silence}), as in a partition.
 *
 * <p>Thread-safety: every operation is atomic under the store's lock; futures complete and
 * watchers are called on one delivery thread, in revision order, never under the lock.
 */
final class MemoryCoordinationStore implements CoordinationStore, AutoCloseable {
  private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "memory-store-delivery");
    t.setDaemon(true);
    return t;
  });
  private final TreeMap<String, KeyValue> keys = new TreeMap<>();
  private final Map<Long, Long> leaseTtls = new HashMap<>();
  private final Set<Long> silenced = new HashSet<>();
  private final List<Watcher> watchers = new ArrayList<>();
  private final AtomicLong nextLease = new AtomicLong(0x1000);
  /** Keys waited on through {@link #awaitDelete}, in call order. */
  final List<String> awaitedKeys = new ArrayList<>();
  private long revision = 1;

  private record Watcher(String prefix, Consumer<PrefixEvent> onChange) {}

  @Override
  public synchronized CompletableFuture<LeaseGrant> grantLease(Duration ttl) {
    long id = nextLease.incrementAndGet();
    long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
    leaseTtls.put(id, seconds);
    return deliver(new LeaseGrant(id, seconds));
  }

  @Override
  public synchronized CompletableFuture<Long> keepAliveOnce(long leaseId) {
    if (silenced.contains(leaseId)) {
      return new CompletableFuture<>();
    }
    return deliver(leaseTtls.getOrDefault(leaseId, 0L));
  }

  @Override
  public CompletableFuture<Void> revokeLease(long leaseId) {
    synchronized (this) {
      if (silenced.contains(leaseId)) {
        return new CompletableFuture<>();
      }
    }
    expire(leaseId);
    return deliver(null);
  }

  /** Expires a lease now, deleting its keys in one revision, as the store's leader would. */
  synchronized void expire(long leaseId) {
    if (leaseTtls.remove(leaseId) == null) {
      return;
    }
    List<KeyValue> attached = keys.values().stream().filter(kv -> kv.leaseId() == leaseId)
        .toList();
    if (attached.isEmpty()) {
      return;
    }
    revision++;
    attached.forEach(kv -> {
      keys.remove(kv.key());
      notifyChange(true, kv);
    });
  }

  /** Renewals and revocations of {@code leaseId} go unanswered from now on, as in a partition. */
  synchronized void silence(long leaseId) {
    silenced.add(leaseId);
  }

  synchronized boolean leaseExists(long leaseId) {
    return leaseTtls.containsKey(leaseId);
  }

  synchronized Optional<KeyValue> current(String key) {
    return Optional.ofNullable(keys.get(key));
  }

  @Override
  public synchronized CompletableFuture<KeyValue> createIfAbsent(String key, byte[] value,
      long leaseId) {
    KeyValue existing = keys.get(key);
    if (existing != null) {
      return deliver(existing);
    }
    if (leaseId != 0 && !leaseTtls.containsKey(leaseId)) {
      return failed(new IllegalStateException("etcdserver: requested lease not found"));
    }
    revision++;
    KeyValue kv = new KeyValue(key, value, revision, revision, leaseId);
    keys.put(key, kv);
    notifyChange(false, kv);
    return deliver(kv);
  }

  @Override
  public synchronized CompletableFuture<Lookup> get(String key) {
    return deliver(new Lookup(Optional.ofNullable(keys.get(key)), revision));
  }

  @Override
  public synchronized CompletableFuture<Lookup> firstCreated(String prefix) {
    return deliver(new Lookup(under(prefix).stream()
        .min(Comparator.comparingLong(KeyValue::createRevision)), revision));
  }

  @Override
  public synchronized CompletableFuture<Lookup> lastCreatedBefore(String prefix,
      long createRevision) {
    return deliver(new Lookup(under(prefix).stream()
        .filter(kv -> kv.createRevision() < createRevision)
        .max(Comparator.comparingLong(KeyValue::createRevision)), revision));
  }

  private List<KeyValue> under(String prefix) {
    return keys.subMap(prefix, true, prefix + Character.MAX_VALUE, false).values().stream()
        .toList();
  }

  @Override
  public synchronized CompletableFuture<TxnOutcome> guardedTxn(String guardKey,
      long guardCreateRevision, List<WriteOp> ops) {
    KeyValue guard = keys.get(guardKey);
    if (guard == null || guard.createRevision() != guardCreateRevision) {
      return deliver(new TxnOutcome(false, revision));
    }
    revision++;
    for (WriteOp op : ops) {
      if (op instanceof WriteOp.Put put) {
        KeyValue old = keys.get(put.key());
        KeyValue kv = new KeyValue(put.key(), put.value(),
            old == null ? revision : old.createRevision(), revision, put.leaseId());
        keys.put(put.key(), kv);
        notifyChange(false, kv);
      } else if (op instanceof WriteOp.Delete delete) {
        KeyValue old = keys.remove(delete.key());
        if (old != null) {
          notifyChange(true, old);
        }
      } else if (op instanceof WriteOp.DeletePrefix prefix) {
        under(prefix.prefix()).forEach(kv -> {
          keys.remove(kv.key());
          notifyChange(true, kv);
        });
      }
    }
    return deliver(new TxnOutcome(true, revision));
  }

  @Override
  public synchronized CompletableFuture<Void> awaitDelete(String key, long afterRevision) {
    awaitedKeys.add(key);
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    if (!keys.containsKey(key)) {
      delivery.execute(() -> deleted.complete(null));
      return deleted;
    }
    Watcher w = new Watcher(key, event -> {
      if (event.deleted() && event.kv().key().equals(key)) {
        deleted.complete(null);
      }
    });
    watchers.add(w);
    deleted.whenComplete((v, e) -> removeWatcher(w));
    return deleted;
  }

  @Override
  public synchronized AutoCloseable watchPrefix(String prefix, long afterRevision,
      Consumer<PrefixEvent> onChange, Consumer<Throwable> onError) {
    Watcher w = new Watcher(prefix, onChange);
    watchers.add(w);
    return () -> removeWatcher(w);
  }

  private synchronized void removeWatcher(Watcher w) {
    watchers.remove(w);
  }

  /** Called under the lock: queues the event for every matching watcher. */
  private void notifyChange(boolean deleted, KeyValue kv) {
    PrefixEvent event = new PrefixEvent(deleted, kv, revision);
    for (Watcher w : List.copyOf(watchers)) {
      if (kv.key().startsWith(w.prefix())) {
        delivery.execute(() -> w.onChange().accept(event));
      }
    }
  }

  private <T> CompletableFuture<T> deliver(T value) {
    CompletableFuture<T> f = new CompletableFuture<>();
    delivery.execute(() -> f.complete(value));
    return f;
  }

  private <T> CompletableFuture<T> failed(Throwable error) {
    CompletableFuture<T> f = new CompletableFuture<>();
    delivery.execute(() -> f.completeExceptionally(error));
    return f;
  }

  @Override
  public void close() {
    delivery.shutdownNow();
  }
}
