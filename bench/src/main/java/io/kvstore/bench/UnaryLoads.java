package io.kvstore.bench;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The unary workloads: put, range (linearizable or serializable), txn-put and mixed, as {@link
 * LoadRunner.Request}s over raw KV stubs, plus the prefill that writes the key space first.
 * Stateless apart from the shared value bytes; thread-safe.
 */
final class UnaryLoads {
  /** Puts per prefill txn: etcd's default --max-txn-ops. */
  static final int PREFILL_BATCH = 128;

  private UnaryLoads() {}

  /** {@code size} random bytes, the same for a run (etcd's benchmark also puts one value). */
  static ByteString value(int size) {
    byte[] b = new byte[size];
    new SplittableRandom(42).nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** A gRPC observer that reports one unary call's outcome to {@code done} under {@code op}. */
  static <T> StreamObserver<T> observer(LoadRunner.Done done, String op) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        done.failed(t);
      }

      @Override
      public void onCompleted() {
        done.ok(op);
      }
    };
  }

  static LoadRunner.Request put(Connections conns, Keys keys, ByteString value, long timeoutNanos) {
    return (client, seq, done) -> conns.kv(client)
        .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
        .put(PutRequest.newBuilder().setKey(keys.forRequest(seq)).setValue(value).build(),
            observer(done, "put"));
  }

  static LoadRunner.Request range(Connections conns, Keys keys, boolean serializable,
      long timeoutNanos) {
    return (client, seq, done) -> conns.kv(client)
        .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
        .range(RangeRequest.newBuilder().setKey(keys.forRequest(seq))
            .setSerializable(serializable).build(), observer(done, "range"));
  }

  static LoadRunner.Request txnPut(Connections conns, Keys keys, ByteString value, int ops,
      long timeoutNanos) {
    return (client, seq, done) -> {
      // Consecutive keys from the request's first one: a txn must not put a key twice.
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      long first = keys.numberForRequest(seq * ops);
      for (int i = 0; i < ops; i++) {
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(keys.number((first + i) % keys.keySpace())).setValue(value)));
      }
      conns.kv(client).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
          .txn(txn.build(), observer(done, "txn"));
    };
  }

  /** Ranges with probability {@code readRatio}, puts otherwise. */
  static LoadRunner.Request mixed(Connections conns, Keys keys, ByteString value,
      double readRatio, boolean serializable, long timeoutNanos) {
    LoadRunner.Request read = range(conns, keys, serializable, timeoutNanos);
    LoadRunner.Request write = put(conns, keys, value, timeoutNanos);
    return (client, seq, done) -> {
      if (ThreadLocalRandom.current().nextDouble() < readRatio) {
        read.send(client, seq, done);
      } else {
        write.send(client, seq, done);
      }
    };
  }

  /**
   * Writes keys {@code 0..count-1} of {@code keys} with {@code value}, {@value #PREFILL_BATCH} per
   * txn, {@code inFlight} txns at a time; throws {@link IllegalStateException} if any failed.
   */
  static void prefill(Connections conns, Keys keys, ByteString value, long count, int inFlight,
      long timeoutNanos, String progress) throws InterruptedException {
    long batches = (count + PREFILL_BATCH - 1) / PREFILL_BATCH;
    LoadRunner.Request request = (client, seq, done) -> {
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      long first = seq * PREFILL_BATCH;
      for (long n = first; n < Math.min(count, first + PREFILL_BATCH); n++) {
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(keys.number(n)).setValue(value)));
      }
      conns.kv(client).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
          .txn(txn.build(), observer(done, "txn"));
    };
    Recording rec = new Recording();
    new LoadRunner((int) Math.min(inFlight, batches), 0, false)
        .run(request, LoadRunner.Budget.requests(batches), rec, progress, "prefill");
    if (!rec.errorCounts().isEmpty()) {
      throw new IllegalStateException("prefilling " + count + " keys failed: "
          + rec.errorCounts());
    }
  }
}
