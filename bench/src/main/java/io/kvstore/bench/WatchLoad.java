package io.kvstore.bench;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The watch workload: {@code watchers} watchers of the run's key range, spread over {@code
 * streams} Watch streams (stream {@code s} on connection {@code s mod conns}), then puts at
 * {@code --rate} (100/s unless given) from {@code --clients} closed-loop clients. Each put's value
 * starts with its sequence number, so every event delivered to every watcher is timed from the
 * moment its put was sent to the moment the event arrived ({@code event}); the put's own latency
 * is recorded as {@code put}. Events not delivered within the settle time count as errors.
 *
 * <p>Thread-safety: one run at a time; the observers run on gRPC's event loops.
 */
final class WatchLoad {
  private static final long CREATE_WAIT_S = 60;

  private WatchLoad() {}

  static Result run(LoadOptions o, Connections conns, int watchers, int streams,
      long settleNanos) throws InterruptedException {
    Keys keys = o.keys();
    long timeoutNanos = o.timeoutValue().toNanos();
    Recording rec = new Recording();
    Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    LongAdder events = new LongAdder();
    AtomicLong lastEvent = new AtomicLong(System.nanoTime());
    CountDownLatch created = new CountDownLatch(watchers);
    List<StreamObserver<WatchRequest>> requestStreams = new ArrayList<>();
    WatchCreateRequest create = WatchCreateRequest.newBuilder().setKey(keys.rangeStart())
        .setRangeEnd(keys.rangeEnd()).build();
    try {
      for (int s = 0; s < streams; s++) {
        StreamObserver<WatchResponse> responses = new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            if (r.getCreated()) {
              created.countDown();
            }
            if (r.getCanceled()) {
              rec.error("watch canceled: " + r.getCancelReason(), 1);
            }
            long now = System.nanoTime();
            for (Event e : r.getEventsList()) {
              ByteString v = e.getKv().getValue();
              if (v.size() >= Long.BYTES) {
                Long sent = sentAt.get(v.substring(0, Long.BYTES).asReadOnlyByteBuffer().getLong());
                if (sent != null) {
                  rec.sample("event", now - sent);
                }
              }
              events.increment();
            }
            lastEvent.set(now);
          }

          @Override
          public void onError(Throwable t) {
            rec.error(t);
          }

          @Override
          public void onCompleted() {}
        };
        requestStreams.add(conns.watch(s).watch(responses));
      }
      for (int w = 0; w < watchers; w++) {
        StreamObserver<WatchRequest> stream = requestStreams.get(w % streams);
        synchronized (stream) {
          stream.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
        }
      }
      if (!created.await(CREATE_WAIT_S, TimeUnit.SECONDS)) {
        throw new IllegalStateException("only " + (watchers - created.getCount()) + " of "
            + watchers + " watchers were created within " + CREATE_WAIT_S + " s");
      }

      LongAdder putsOk = new LongAdder();
      int valSize = Math.max(o.valSize, Long.BYTES);
      byte[] pad = UnaryLoads.value(valSize - Long.BYTES).toByteArray();
      LoadRunner.Request put = (client, seq, done) -> {
        ByteBuffer b = ByteBuffer.allocate(valSize).putLong(seq).put(pad);
        PutRequest req = PutRequest.newBuilder().setKey(keys.forRequest(seq))
            .setValue(ByteString.copyFrom(b.array())).build();
        sentAt.put(seq, System.nanoTime());
        conns.kv(client).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
            .put(req, UnaryLoads.observer(new LoadRunner.Done() {
              @Override
              public void ok(String op) {
                putsOk.increment();
                done.ok(op);
              }

              @Override
              public void failed(Throwable t) {
                done.failed(t);
              }
            }, "put"));
      };
      long elapsed = new LoadRunner(o.clients, o.rateOr(100), false)
          .run(put, LoadRunner.Budget.of(o), rec, o.progress, "watch");

      // Puts that timed out may still have been applied: events are expected for the others.
      long puts = putsOk.sum();
      long expected = puts * watchers;
      long deadline = System.nanoTime() + settleNanos;
      while (events.sum() < expected && System.nanoTime() - deadline < 0) {
        Thread.sleep(10);
      }
      long received = events.sum();
      if (received < expected) {
        rec.error("watch: events not delivered within "
            + TimeUnit.NANOSECONDS.toMillis(settleNanos) + " ms", expected - received);
      }
      Map<String, Object> settings = o.describe();
      settings.put("rate", o.rateOr(100));
      settings.put("watchers", watchers);
      settings.put("streams", streams);
      Map<String, Long> counts = new LinkedHashMap<>();
      counts.put("watchers", (long) watchers);
      counts.put("eventsExpected", expected);
      counts.put("eventsReceived", received);
      return Result.of("watch", settings, rec, elapsed / 1e9, "event", counts, puts);
    } finally {
      for (StreamObserver<WatchRequest> s : requestStreams) {
        if (s instanceof ClientCallStreamObserver<WatchRequest> call) {
          call.cancel("kv-bench watch run finished", null);
        }
      }
    }
  }
}
