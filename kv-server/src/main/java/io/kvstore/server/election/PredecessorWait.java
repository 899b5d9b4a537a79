package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.watch.WatchBatch;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Waits until a participant's key is first in its queue: until no key under its prefix was
 * created before it (etcd's {@code waitDeletes}). Like etcd, it reads the latest predecessor —
 * the key created last before its own — watches only that key until it is deleted, and reads
 * again; so each departure wakes one waiter, never the whole queue. Unlike etcd, it also watches
 * its own key and gives up with {@link KeyLostException} as soon as that is deleted (its lease
 * expired or was revoked) rather than after every predecessor left (etcd 3.5 checks only then,
 * etcd 3.4 not at all).
 *
 * <p>The result completes with the header of the read that found the key first, or fails with
 * {@link KeyLostException}, {@link CancellationException} after {@link #cancel}, or the read's
 * failure. A predecessor watch whose start was compacted away is replaced after a fresh read.
 * Once the result completes no watch of this wait is left registered.
 *
 * <p>Thread-safety: {@link #start} and {@link #cancel} may be called from any thread, in either
 * order; all other state is confined to the wait's {@link SerialExecutor}, on which the result
 * also completes.
 */
final class PredecessorWait {
  /** The participant's key is gone, so it can never come first. */
  static final class KeyLostException extends RuntimeException {
    KeyLostException(ByteString key) {
      super("key " + key.toStringUtf8() + " was deleted while waiting", null, false, false);
    }
  }

  private final Keyspace keyspace;
  private final KeyWatches watches;
  private final SerialExecutor serial;
  private final CompletableFuture<ResponseHeader> result = new CompletableFuture<>();
  /** Set by {@link #cancel}, before the cancellation reaches the serial executor. */
  private volatile boolean cancelRequested;
  /** The participants' prefix; set by {@link #start}. */
  private ByteString prefix;
  /** The participant's own key; set by {@link #start}. */
  private ByteString ownKey;
  /** The own key's create revision, its place in the queue; set by {@link #start}. */
  private long ownRevision;
  /** Watches the own key for its deletion while waiting; else null. */
  private KeyWatches.Subscription own;
  /** Watches the latest predecessor, if one is being waited for; else null. */
  private KeyWatches.Subscription predecessor;
  /** Counts predecessor watches, so that a batch of a cancelled one is recognised and dropped. */
  private long predecessorWatch;

  /**
   * A wait that has not started yet, so that a call can make it cancellable before it knows its
   * key; reads, watches and callbacks run on {@code executor}.
   */
  PredecessorWait(Keyspace keyspace, KeyWatches watches, Executor executor) {
    this.keyspace = keyspace;
    this.watches = watches;
    this.serial = new SerialExecutor(executor);
  }

  /**
   * Starts waiting until {@code ownKey}, created at {@code ownRevision}, is the first key under
   * {@code prefix}; returns the result. Called at most once; after {@link #cancel} the result
   * fails with {@link CancellationException} and nothing is read or watched.
   */
  CompletableFuture<ResponseHeader> start(ByteString prefix, ByteString ownKey,
      long ownRevision) {
    serial.execute(() -> {
      if (result.isDone()) {
        return;
      }
      this.prefix = prefix;
      this.ownKey = ownKey;
      this.ownRevision = ownRevision;
      watchOwnKey(ownRevision);
      read();
    });
    return result;
  }

  /** Whether {@link #cancel} was called. */
  boolean cancelRequested() {
    return cancelRequested;
  }

  /** Ends the wait, failing the result with {@link CancellationException} if still waiting. */
  void cancel() {
    cancelRequested = true;
    serial.execute(() -> finish(null, new CancellationException("wait cancelled")));
  }

  private void watchOwnKey(long from) {
    own = watches.key(ownKey, from, batch -> serial.execute(() -> onOwnKey(batch)));
  }

  private void onOwnKey(WatchBatch batch) {
    if (result.isDone()) {
      return;
    }
    if (batch.isCompacted()) {
      // History before the compaction is gone; a deletion in it shows in the next read.
      own.cancel();
      watchOwnKey(batch.compactRevision());
    } else if (deletes(batch)) {
      finish(null, new KeyLostException(ownKey));
    }
  }

  private void read() {
    keyspace.range(RecipeKeys.lastTwoCreatedBy(prefix, ownRevision))
        .whenComplete((response, error) -> serial.execute(() -> onRead(response, error)));
  }

  private void onRead(RangeResponse response, Throwable error) {
    if (result.isDone()) {
      return;
    }
    if (error != null) {
      finish(null, error);
      return;
    }
    List<KeyValue> kvs = response.getKvsList();
    if (kvs.isEmpty() || !kvs.get(0).getKey().equals(ownKey)
        || kvs.get(0).getCreateRevision() != ownRevision) {
      finish(null, new KeyLostException(ownKey));
    } else if (kvs.size() == 1) {
      finish(response.getHeader(), null);
    } else {
      long watch = ++predecessorWatch;
      // From the read's revision, at which the predecessor still existed: its deletion follows.
      predecessor = watches.key(kvs.get(1).getKey(), response.getHeader().getRevision(),
          batch -> serial.execute(() -> onPredecessor(watch, batch)));
    }
  }

  private void onPredecessor(long watch, WatchBatch batch) {
    if (result.isDone() || watch != predecessorWatch || predecessor == null) {
      return;
    }
    if (batch.isCompacted() || deletes(batch)) {
      predecessor.cancel();
      predecessor = null;
      read();
    }
  }

  private static boolean deletes(WatchBatch batch) {
    return batch.events().stream().anyMatch(e -> e.getType() == EventType.DELETE);
  }

  private void finish(ResponseHeader header, Throwable error) {
    if (result.isDone()) {
      return;
    }
    if (own != null) {
      own.cancel();
      own = null;
    }
    if (predecessor != null) {
      predecessor.cancel();
      predecessor = null;
    }
    if (error != null) {
      result.completeExceptionally(error);
    } else {
      result.complete(header);
    }
  }
}
