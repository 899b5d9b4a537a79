package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.api.v3electionpb.LeaderResponse;
import io.kvstore.server.watch.WatchBatch;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One Observe stream, as etcd's election server runs {@code concurrency.Election.Observe}: it
 * reads the leader (the key created first under {@code name/}) and sends it; if there is none it
 * waits for the first put under the prefix and sends that. Then it follows the leader key: each
 * put (a proclamation) is sent with the watch's header, and its deletion starts over with a fresh
 * read. So the client sees the current leader at once and every later leader and value, though
 * not necessarily every leader that came and went in between.
 *
 * <p>As in etcd, a failed read or a watch whose start was compacted away ends the stream with
 * status OK; the client's cancellation ends it and removes its watch.
 *
 * <p>Thread-safety: all state is confined to the stream's {@link SerialExecutor}; the handler
 * starts it and cancellation may come from a transport thread.
 */
final class LeaderObserver {
  private final Keyspace keyspace;
  private final KeyWatches watches;
  private final SerialExecutor serial;
  private final ByteString prefix;
  private final ServerCallStreamObserver<LeaderResponse> call;
  /** True once the stream ended, by the client or here; nothing is read or sent after. */
  private boolean ended;
  /** The current watch, on the prefix or on the leader key; null while reading. */
  private KeyWatches.Subscription watch;
  /** Counts watches and their cancellations: a batch is handled only if nothing came since. */
  private long watchCount;

  private LeaderObserver(Keyspace keyspace, KeyWatches watches, Executor executor,
      ByteString name, StreamObserver<LeaderResponse> out) {
    this.keyspace = keyspace;
    this.watches = watches;
    this.serial = new SerialExecutor(executor);
    this.prefix = RecipeKeys.prefix(name);
    this.call = (ServerCallStreamObserver<LeaderResponse>) out;
  }

  /** Starts observing the election {@code name} on {@code out}; call from the handler. */
  static void start(Keyspace keyspace, KeyWatches watches, Executor executor, ByteString name,
      StreamObserver<LeaderResponse> out) {
    LeaderObserver observer = new LeaderObserver(keyspace, watches, executor, name, out);
    observer.call.setOnCancelHandler(() -> observer.serial.execute(observer::end));
    observer.serial.execute(observer::read);
  }

  private void read() {
    keyspace.range(RecipeKeys.firstCreated(prefix))
        .whenComplete((response, error) -> serial.execute(() -> onLeader(response, error)));
  }

  private void onLeader(RangeResponse response, Throwable error) {
    if (ended) {
      return;
    }
    if (error != null) {
      complete();
    } else if (response.getKvsCount() == 0) {
      watch(prefix, RecipeKeys.prefixEnd(prefix), response.getHeader().getRevision(),
          this::onFirstPut);
    } else {
      send(LeaderResponse.newBuilder().setHeader(response.getHeader())
          .setKv(response.getKvs(0)).build());
      follow(response.getKvs(0).getKey(), response.getHeader().getRevision() + 1);
    }
  }

  /** Waiting for a leader: the first put under the prefix names it, at its revision. */
  private void onFirstPut(WatchBatch batch) {
    if (batch.isCompacted()) {
      complete();
      return;
    }
    for (Event e : batch.events()) {
      if (e.getType() == EventType.PUT) {
        long revision = e.getKv().getModRevision();
        send(LeaderResponse.newBuilder().setHeader(keyspace.header(revision)).setKv(e.getKv())
            .build());
        follow(e.getKv().getKey(), revision + 1);
        return;
      }
    }
  }

  /** Following the leader key: puts are new values, its deletion means a new leader. */
  private void onLeaderChange(WatchBatch batch) {
    if (batch.isCompacted()) {
      complete();
      return;
    }
    for (Event e : batch.events()) {
      if (e.getType() == EventType.DELETE) {
        stopWatching();
        read();
        return;
      }
      send(LeaderResponse.newBuilder().setHeader(keyspace.header(batch.revision()))
          .setKv(e.getKv()).build());
    }
  }

  private void follow(ByteString key, long from) {
    watch(key, ByteString.EMPTY, from, this::onLeaderChange);
  }

  /** Replaces the current watch with one on {@code [key, end)} from {@code from}. */
  private void watch(ByteString key, ByteString end, long from, Consumer<WatchBatch> handler) {
    stopWatching();
    long id = ++watchCount;
    watch = watches.range(key, end, from, batch -> serial.execute(() -> {
      if (!ended && id == watchCount) {
        handler.accept(batch);
      }
    }));
  }

  private void stopWatching() {
    watchCount++;
    if (watch != null) {
      watch.cancel();
      watch = null;
    }
  }

  private void send(LeaderResponse response) {
    call.onNext(response);
  }

  private void complete() {
    end();
    if (!call.isCancelled()) {
      call.onCompleted();
    }
  }

  private void end() {
    ended = true;
    stopWatching();
  }
}
