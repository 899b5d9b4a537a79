package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.kvstore.server.watch.WatchBatch;
import io.kvstore.server.watch.WatchHub;
import io.kvstore.server.watch.WatchRange;
import io.kvstore.server.watch.WatchSink;
import io.kvstore.server.watch.WatchSpec;
import io.kvstore.server.watch.Watcher;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Watches for the recipes, registered straight in the member's {@link WatchHub} (etcd's recipes
 * open client watches on the member they run in). A listener receives every batch of its watch,
 * in revision order, each revision whole, and nothing after its subscription is cancelled; a
 * watch whose start revision was compacted away receives one {@linkplain WatchBatch#isCompacted
 * compaction batch} and ends.
 *
 * <p>Thread-safety: safe for concurrent use. Listeners are called with the hub's lock held, from
 * the apply and catch-up threads: they must hand the batch on at once, without blocking and
 * without calling back into the hub.
 */
public final class KeyWatches {
  private static final ByteString SINGLE_KEY = ByteString.EMPTY;

  private final WatchHub hub;
  /** Ids for the hub's batches; listeners never see them. */
  private final AtomicLong ids = new AtomicLong();
  /** The first key of every watch not cancelled yet, by id. */
  private final Map<Long, ByteString> active = new ConcurrentHashMap<>();

  public KeyWatches(WatchHub hub) {
    this.hub = hub;
  }

  /** A registered watch; cancelling it twice is harmless. */
  @FunctionalInterface
  interface Subscription {
    void cancel();
  }

  /** Watches the single {@code key} from {@code startRevision} on. */
  Subscription key(ByteString key, long startRevision, Consumer<WatchBatch> listener) {
    return range(key, SINGLE_KEY, startRevision, listener);
  }

  /**
   * Watches {@code [key, rangeEnd)} (etcd's conventions for an empty or {@code "\0"} end) from
   * {@code startRevision} on, without previous values.
   */
  Subscription range(ByteString key, ByteString rangeEnd, long startRevision,
      Consumer<WatchBatch> listener) {
    WatchSpec spec = new WatchSpec(WatchRange.of(key, rangeEnd), startRevision, false, false,
        false);
    long id = ids.incrementAndGet();
    active.put(id, key);
    Watcher watcher = hub.watch(id, spec, new ListenerSink(listener), created -> { });
    return () -> {
      active.remove(id);
      hub.cancel(watcher);
    };
  }

  /**
   * The first key of every watch registered here and not cancelled yet, in no particular order:
   * what the waiting calls watch, for diagnostics and tests.
   */
  List<ByteString> watchedKeys() {
    return List.copyOf(active.values());
  }

  /** A sink that never refuses: it hands each batch to a listener that queues it elsewhere. */
  private record ListenerSink(Consumer<WatchBatch> listener) implements WatchSink {
    @Override
    public boolean offer(WatchBatch events) {
      listener.accept(events);
      return true;
    }

    @Override
    public void force(WatchBatch notice) {
      listener.accept(notice);
    }

    @Override
    public void synced() {}
  }
}
