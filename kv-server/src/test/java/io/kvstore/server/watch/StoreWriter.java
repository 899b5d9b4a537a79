package io.kvstore.server.watch;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.mvcc.Commit;
import io.kvstore.server.mvcc.LeaseLookup;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A real MVCC store in a directory, written as the apply thread writes it: each change is one
 * write txn committed with the next index, and each commit that changed something is published
 * to the hub. Writes from one thread at a time; close after use.
 */
final class StoreWriter implements AutoCloseable {
  final Backend backend;
  final MvccStore store;
  private WatchHub hub;
  private long index;

  StoreWriter(Path dir) {
    backend = Backend.open(dir);
    store = MvccStore.open(backend, LeaseLookup.ANY);
    index = backend.appliedIndex();
  }

  /** Starts a hub over the store; commits are published to it from now on. */
  WatchHub startHub(int batchRevisions, int batchBytes) {
    hub = new WatchHub(store, batchRevisions, batchBytes);
    return hub;
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  Commit put(String key, String value) {
    return apply(t -> t.put(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build()));
  }

  Commit delete(String key) {
    return apply(t -> t.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(key)).build()));
  }

  /** One txn putting every {@code key=value} pair given, at one revision. */
  Commit txnPut(String... pairs) {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (String pair : pairs) {
      String[] kv = pair.split("=", 2);
      txn.addSuccess(RequestOp.newBuilder().setRequestPut(
          PutRequest.newBuilder().setKey(b(kv[0])).setValue(b(kv[1]))));
    }
    return apply(t -> t.txn(txn.build()));
  }

  Commit compact(long rev) {
    return apply(t -> t.compact(CompactionRequest.newBuilder().setRevision(rev).build()));
  }

  /** Commits without telling the hub, as if its publication were lost. */
  Commit putUnpublished(String key, String value) {
    WatchHub h = hub;
    hub = null;
    try {
      return put(key, value);
    } finally {
      hub = h;
    }
  }

  private Commit apply(Consumer<WriteTxn> op) {
    WriteTxn txn = store.beginWrite();
    op.accept(txn);
    Commit commit = txn.commit(++index);
    if (hub != null && !commit.events().isEmpty()) {
      hub.publish(commit);
    }
    return commit;
  }

  @Override
  public void close() {
    if (hub != null) {
      hub.close();
    }
    backend.close();
  }
}
