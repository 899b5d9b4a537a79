package io.kvstore.server.mvcc;

import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.backend.RequestApplier;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A store over a backend in a directory, applying each request as one entry with the next Raft
 * index, as the apply path does. Test thread only; close after use.
 */
final class StoreFixture implements AutoCloseable {
  /** An applier for state machines whose tests propose no client requests. */
  static final RequestApplier NO_REQUESTS = (index, data) -> {
    throw new AssertionError("unexpected client request at index " + index);
  };

  final Path dir;
  final LeaseLookup leases;
  Backend backend;
  MvccStore store;
  /** The last applied entry's index. */
  long index;
  /** The last commit. */
  Commit lastCommit;

  StoreFixture(Path dir) {
    this(dir, LeaseLookup.ANY);
  }

  StoreFixture(Path dir, LeaseLookup leases) {
    this.dir = dir;
    this.leases = leases;
    open();
  }

  private void open() {
    backend = Backend.open(dir);
    store = MvccStore.open(backend, leases);
    index = backend.appliedIndex();
  }

  /** Closes and reopens the backend and the store, rebuilding the index. */
  void reopen() {
    backend.close();
    open();
  }

  /** Runs {@code op} in a write txn committed as the next entry, also when it is refused. */
  <T> T apply(Function<WriteTxn, T> op) {
    WriteTxn txn = store.beginWrite();
    try {
      return op.apply(txn);
    } finally {
      lastCommit = txn.commit(++index);
    }
  }

  PutResponse put(PutRequest.Builder r) {
    return apply(t -> t.put(r.build()));
  }

  PutResponse put(String key, String value) {
    return put(Kv.put(key, value));
  }

  DeleteRangeResponse delete(DeleteRangeRequest.Builder r) {
    return apply(t -> t.deleteRange(r.build()));
  }

  TxnResponse txn(TxnRequest.Builder r) {
    return apply(t -> t.txn(r.build()));
  }

  CompactionResponse compact(long rev) {
    return apply(t -> t.compact(CompactionRequest.newBuilder().setRevision(rev).build()));
  }

  RangeResponse range(RangeRequest.Builder r) {
    return store.range(r.build());
  }

  @Override
  public void close() {
    backend.close();
  }
}
