package io.kvstore.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * One {@code Watch} gRPC stream, as etcd's {@code serverWatchStream}: it turns the client's
 * create, cancel and progress requests into hub calls, and the hub's batches into responses on
 * the stream's {@link ResponseQueue}, where control responses and events keep one order — a
 * watch's {@code created} response precedes its events, its {@code canceled} response follows
 * them. Watch ids are the client's, or chosen from 0 upward skipping ids in use; a watch the hub
 * cancelled for compaction keeps its id until the client cancels it, as in etcd.
 *
 * <p>Thread-safety: requests arrive one at a time from gRPC; the hub calls the {@link WatchSink}
 * side with its lock held; the progress ticker and closing come from other threads. {@code this}
 * guards {@link #nextId}, {@link #closed} and the changes of {@link #watches}; lock order is
 * stream, then hub, then queue, and nothing here takes the stream's lock from a sink callback.
 */
public final class WatchStream implements StreamObserver<WatchRequest>, WatchSink {
  static final String EMPTY_RANGE = "mvcc: watcher range is empty";
  static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  /**
   * Responses queued per stream before events are refused. etcd queues 128 ({@code chanBufLen})
   * but keeps a refused watcher's events in memory and retries them every 10 ms; a refused
   * watcher here reads them from history again, which with a hundred watchers on one stream
   * (one response each per change) happened on every burst of two puts. Memory stays bounded
   * by {@link #MAX_QUEUED_BYTES}.
   */
  static final int MAX_QUEUED_RESPONSES = 1024;
  /** Bytes queued per stream before events are refused. */
  static final long MAX_QUEUED_BYTES = 16L << 20;

  private final WatchHub hub;
  private final LongFunction<ResponseHeader> headers;
  private final int maxRequestBytes;
  private final Executor executor;
  private final ResponseQueue queue;
  private final Consumer<WatchStream> onClose;
  /** The stream's watches by id; read lock-free by sink callbacks, changed under {@code this}. */
  private final Map<Long, StreamWatch> watches = new ConcurrentHashMap<>();
  /** The next id to try for a watch whose client lets the server choose. */
  private long nextId;
  /** A progress request waits for every watcher to be synced; set and cleared under this. */
  private volatile boolean deferredProgress;
  private boolean closed;

  /** What the stream keeps of one watch beside the hub's watcher. */
  private static final class StreamWatch {
    final boolean fragment;
    final boolean progressNotify;
    /** Null only while the hub registers it. */
    volatile Watcher watcher;
    /** No events were sent since the last progress tick (etcd's {@code progress[id]}). */
    final AtomicBoolean idle = new AtomicBoolean(true);

    StreamWatch(WatchCreateRequest r) {
      this.fragment = r.getFragment();
      this.progressNotify = r.getProgressNotify();
    }
  }

  /**
   * @param headers the response header for a revision (cluster, member, revision, raft term)
   * @param maxRequestBytes the size above which a watch that asked for {@code fragment} has its
   *     responses split
   * @param onClose told once when the stream ends, whoever ends it
   */
  public WatchStream(WatchHub hub, ServerCallStreamObserver<WatchResponse> out, Executor executor,
      LongFunction<ResponseHeader> headers, int maxRequestBytes, Consumer<WatchStream> onClose) {
    this.hub = hub;
    this.headers = headers;
    this.maxRequestBytes = maxRequestBytes;
    this.executor = executor;
    this.onClose = onClose;
    this.queue = new ResponseQueue(out, executor, MAX_QUEUED_RESPONSES, MAX_QUEUED_BYTES,
        hub::wakeCatchUp);
  }

  @Override
  public void onNext(WatchRequest request) {
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> create(request.getCreateRequest());
      case CANCEL_REQUEST -> cancel(request.getCancelRequest().getWatchId());
      case PROGRESS_REQUEST -> requestProgress();
      default -> { }
    }
  }

  /** The client failed or cancelled the call: its watches go. */
  @Override
  public void onError(Throwable t) {
    close(null);
  }

  /** The client closed its side; as etcd, the watches keep sending until the call ends. */
  @Override
  public void onCompleted() {}

  private synchronized void create(WatchCreateRequest r) {
    if (closed) {
      return;
    }
    WatchSpec spec = WatchSpec.of(r);
    if (spec.range().isEmpty()) {
      refuse(EMPTY_RANGE);
      return;
    }
    long id = r.getWatchId();
    if (id == 0) {
      while (watches.containsKey(nextId)) {
        nextId++;
      }
      id = nextId++;
    } else if (watches.containsKey(id)) {
      refuse(DUPLICATE_ID);
      return;
    }
    StreamWatch sw = new StreamWatch(r);
    watches.put(id, sw);
    long watchId = id;
    sw.watcher = hub.watch(id, spec, this, rev -> queue.offer(List.of(WatchResponse.newBuilder()
        .setHeader(headers.apply(rev)).setWatchId(watchId).setCreated(true).build()), true));
  }

  private void refuse(String reason) {
    queue.offer(List.of(WatchResponse.newBuilder().setHeader(headers.apply(hub.revision()))
        .setWatchId(-1).setCreated(true).setCanceled(true).setCancelReason(reason).build()), true);
  }

  private synchronized void cancel(long id) {
    if (closed) {
      return;
    }
    StreamWatch sw = watches.remove(id);
    if (sw == null) {
      return;
    }
    hub.cancel(sw.watcher);
    queue.offer(List.of(WatchResponse.newBuilder().setHeader(headers.apply(hub.revision()))
        .setWatchId(id).setCanceled(true).build()), true);
    answerDeferredProgress();
  }

  private synchronized void requestProgress() {
    if (closed || deferredProgress) {
      return;
    }
    deferredProgress = !hub.progressAll(watchers(), this);
  }

  private synchronized void answerDeferredProgress() {
    if (!closed && deferredProgress) {
      deferredProgress = !hub.progressAll(watchers(), this);
    }
  }

  private List<Watcher> watchers() {
    return watches.values().stream().map(sw -> sw.watcher).toList();
  }

  /**
   * A progress tick (etcd's {@code progressTicker}): each {@code progress_notify} watch that was
   * sent no events since the previous tick gets a progress notification, if it is synced.
   */
  public void progressTick() {
    for (StreamWatch sw : watches.values()) {
      Watcher w = sw.watcher;
      if (sw.progressNotify && w != null && sw.idle.getAndSet(true)) {
        hub.progress(w);
      }
    }
  }

  @Override
  public boolean offer(WatchBatch batch) {
    StreamWatch sw = watches.get(batch.watchId());
    boolean queued = queue.offer(responses(batch, sw), false);
    if (queued && sw != null && !batch.events().isEmpty()) {
      sw.idle.set(false);
    }
    return queued;
  }

  @Override
  public void force(WatchBatch notice) {
    queue.offer(responses(notice, watches.get(notice.watchId())), true);
  }

  @Override
  public void synced() {
    if (deferredProgress) {
      executor.execute(this::answerDeferredProgress);
    }
  }

  private List<WatchResponse> responses(WatchBatch batch, StreamWatch sw) {
    WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(headers.apply(batch.revision()))
        .setWatchId(batch.watchId()).addAllEvents(batch.events());
    if (batch.isCompacted()) {
      r.setCompactRevision(batch.compactRevision()).setCanceled(true);
    }
    WatchResponse response = r.build();
    return sw != null && sw.fragment ? Fragments.split(response, maxRequestBytes)
        : List.of(response);
  }

  /** Sends what is queued, as far as the client keeps up; for the transport's on-ready signal. */
  public void drain() {
    queue.drain();
  }

  /**
   * Ends the stream: removes its watchers from the hub, drops what is unsent and ends the call
   * with {@code status}, or silently if it is null (the client is gone). Idempotent.
   */
  public void close(Status status) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      watches.values().forEach(sw -> hub.cancel(sw.watcher));
      watches.clear();
    }
    queue.close(status);
    onClose.accept(this);
  }
}
