package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.CompactionResponse;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.DeleteRangeResponse;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.ResponseOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.backend.Backend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The changes of one applied Raft entry, as etcd's {@code storeTxnWrite} with the apply layer's
 * {@code Put}, {@code DeleteRange}, {@code Txn} and {@code Compaction} on top. Every change gets
 * the next main revision ({@code beginRev + 1}) and increasing sub revisions; reads within the
 * txn see its own earlier changes. Nothing is visible to other readers until {@link #commit}
 * writes the changes with the entry's index in one backend batch and raises the store's
 * revision — by one if anything changed, else not at all.
 *
 * <p>An operation refused with an {@link EtcdException} changes nothing, and the txn can still be
 * committed (to record the entry as applied). Any other exception leaves the store inconsistent
 * with its backend: the member must stop, as etcd panics.
 *
 * <p>Thread-safety: confined to the apply thread, one open txn at a time.
 */
public final class WriteTxn {
  private final MvccStore store;
  private final Backend backend;
  private final TreeIndex index;
  private final LeaseLookup leases;
  private final Backend.Batch batch;
  /** The store's revision when the txn began; changes are at {@code beginRev + 1}. */
  private final long beginRev;
  private final long compactRev;
  private final TxnView view = new TxnView();
  /** The changes so far, in sub-revision order. */
  private final List<Event> changes = new ArrayList<>();
  /** The values this txn put, by revision, for reads within it. */
  private final Map<Revision, KeyValue> written = new HashMap<>();
  /** The revision a compaction in this txn compacts at, or -1. */
  private long compactTo = -1;
  private boolean committed;

  WriteTxn(MvccStore store, Backend backend, TreeIndex index, long beginRev, long compactRev,
      LeaseLookup leases) {
    this.store = store;
    this.backend = backend;
    this.index = index;
    this.beginRev = beginRev;
    this.compactRev = compactRev;
    this.leases = leases;
    this.batch = backend.newBatch();
  }

  /**
   * A put, as etcd's {@code Put}: the lease must exist; with {@code ignore_value} or {@code
   * ignore_lease} the key must, and keeps its value or lease.
   *
   * @throws LeaseNotFoundException if the lease does not exist
   * @throws InvalidRequestException key not found, for {@code ignore_*} on a missing key
   */
  public PutResponse put(PutRequest r) {
    checkWritable();
    checkLease(r);
    return doPut(r);
  }

  /** A delete of the keys the request names; deleting nothing changes nothing. */
  public DeleteRangeResponse deleteRange(DeleteRangeRequest r) {
    checkWritable();
    KeyRange range = KeyRange.of(r.getKey(), r.getRangeEnd());
    List<IndexEntry> doomed = index.range(range, view.revision(), 0).entries();
    DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
    for (IndexEntry e : doomed) {
      if (r.getPrevKv()) {
        resp.addPrevKvs(view.valueAt(e.modified()));
      }
      tombstone(e.key());
    }
    long rev = doomed.isEmpty() && changes.isEmpty() ? beginRev : beginRev + 1;
    return resp.setHeader(header(rev)).setDeleted(doomed.size()).build();
  }

  /**
   * A txn, as etcd's {@code Txn}: every compare (nested ones too) is evaluated first, on the state
   * before the txn; then the chosen branches' puts are checked (key present for {@code ignore_*},
   * lease present) and their ranges' revisions; then the operations run in order, sharing one
   * revision. Nested txn responses carry an empty header, as etcd's.
   *
   * @throws EtcdException if a check fails; nothing is changed then
   */
  public TxnResponse txn(TxnRequest r) {
    checkWritable();
    List<Boolean> path = new ArrayList<>();
    decide(r, path);
    visitOps(r, path.iterator(), op -> {
      if (op.hasRequestPut()) {
        checkTxnPut(op.getRequestPut());
      }
    });
    visitOps(r, path.iterator(), op -> {
      if (op.hasRequestRange() && op.getRequestRange().getRevision() != 0) {
        RangeQuery.checkedRevision(view, op.getRequestRange().getRevision());
      }
    });
    int before = changes.size();
    TxnResponse.Builder resp;
    try {
      resp = execute(r, path.iterator());
    } catch (EtcdException e) {
      if (changes.size() == before) {
        throw e;
      }
      // Only a put with ignore_value of a key this txn deleted gets here; etcd panics too.
      throw new IllegalStateException("unexpected error during txn with writes", e);
    }
    return resp.setHeader(header(view.revision())).build();
  }

  /**
   * A compaction at the request's revision, carried out when the txn commits (synchronously, so
   * a {@code physical} request is answered once it is done). It must be the txn's only change.
   *
   * @throws CompactedException if the revision is at or below the compacted one
   * @throws FutureRevisionException if the revision is after the current one
   */
  public CompactionResponse compact(CompactionRequest r) {
    checkWritable();
    if (!changes.isEmpty()) {
      throw new IllegalStateException("a compaction must be the only change of its txn");
    }
    long rev = r.getRevision();
    if (rev <= compactRev) {
      throw new CompactedException(compactRev);
    }
    if (rev > beginRev) {
      throw new FutureRevisionException();
    }
    batch.putMeta(MvccStore.SCHEDULED_COMPACT_KEY, Revision.first(rev).encode());
    compactTo = rev;
    return CompactionResponse.newBuilder().setHeader(header(beginRev)).build();
  }

  /**
   * The backend batch {@link #commit} writes, for rows kept beside the key space that must be
   * written atomically with the entry's changes (the lessor's lease records).
   */
  public Backend.Batch batch() {
    return batch;
  }

  /**
   * Writes the changes with {@code appliedIndex} (the entry's Raft index) in one backend batch,
   * makes them visible, runs a requested compaction, and returns the events.
   */
  public Commit commit(long appliedIndex) {
    if (committed) {
      throw new IllegalStateException("write txn committed twice");
    }
    committed = true;
    backend.commit(appliedIndex, batch);
    long revision = changes.isEmpty() ? beginRev : beginRev + 1;
    store.committed(this, revision, compactTo);
    return new Commit(revision, changes);
  }

  // ---- puts and deletes ------------------------------------------------------------------------

  private PutResponse doPut(PutRequest r) {
    KeyValue prev = null;
    if (r.getIgnoreValue() || r.getIgnoreLease() || r.getPrevKv()) {
      prev = current(r.getKey());
    }
    if ((r.getIgnoreValue() || r.getIgnoreLease()) && prev == null) {
      throw InvalidRequestException.keyNotFound();
    }
    ByteString value = r.getIgnoreValue() ? prev.getValue() : r.getValue();
    long lease = r.getIgnoreLease() ? prev.getLease() : r.getLease();
    write(r.getKey(), value, lease);
    PutResponse.Builder resp = PutResponse.newBuilder().setHeader(header(beginRev + 1));
    if (r.getPrevKv() && prev != null) {
      resp.setPrevKv(prev);
    }
    return resp.build();
  }

  private void write(ByteString key, ByteString value, long lease) {
    long rev = beginRev + 1;
    Revision at = new Revision(rev, changes.size());
    IndexEntry after = index.put(key, at);
    KeyValue kv = KeyValue.newBuilder()
        .setKey(key)
        .setValue(value)
        .setCreateRevision(after.created().main())
        .setModRevision(rev)
        .setVersion(after.version())
        .setLease(lease)
        .build();
    batch.putRevision(at.encode(), kv.toByteArray());
    written.put(at, kv);
    changes.add(Event.newBuilder().setType(EventType.PUT).setKv(kv).build());
  }

  private void tombstone(ByteString key) {
    Revision at = new Revision(beginRev + 1, changes.size());
    KeyValue kv = KeyValue.newBuilder().setKey(key).build();
    batch.putRevision(at.encodeTombstone(), kv.toByteArray());
    if (!index.tombstone(key, at)) {
      throw new IllegalStateException("tombstone of absent key " + key.toStringUtf8());
    }
    changes.add(Event.newBuilder().setType(EventType.DELETE)
        .setKv(kv.toBuilder().setModRevision(at.main())).build());
  }


  /** The key's value as this txn sees it now, or null. */
  private KeyValue current(ByteString key) {
    IndexEntry e = index.get(key, view.revision());
    return e == null ? null : view.valueAt(e.modified());
  }

  private void checkLease(PutRequest r) {
    if (r.getLease() != 0 && !leases.exists(r.getLease())) {
      throw new LeaseNotFoundException();
    }
  }

  /** etcd 3.5's {@code checkRequestPut}: the key first, then the lease. */
  private void checkTxnPut(PutRequest r) {
    if ((r.getIgnoreValue() || r.getIgnoreLease()) && current(r.getKey()) == null) {
      throw InvalidRequestException.keyNotFound();
    }
    checkLease(r);
  }

  private void checkWritable() {
    if (committed) {
      throw new IllegalStateException("write txn already committed");
    }
    if (compactTo >= 0) {
      throw new IllegalStateException("a compaction must be the only change of its txn");
    }
  }

  // ---- txn -------------------------------------------------------------------------------------

  /**
   * etcd's {@code compareToPath}: whether {@code r}'s compares hold, then, depth first, the same
   * for each nested txn of the branch taken.
   */
  private void decide(TxnRequest r, List<Boolean> path) {
    boolean succeeded = Compares.all(view, r.getCompareList());
    path.add(succeeded);
    for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestTxn()) {
        decide(op.getRequestTxn(), path);
      }
    }
  }

  /** Visits the non-txn operations of the branches {@code path} takes, in order. */
  private static void visitOps(TxnRequest r, Iterator<Boolean> path, Consumer<RequestOp> visit) {
    for (RequestOp op : path.next() ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestTxn()) {
        visitOps(op.getRequestTxn(), path, visit);
      } else {
        visit.accept(op);
      }
    }
  }

  private TxnResponse.Builder execute(TxnRequest r, Iterator<Boolean> path) {
    boolean succeeded = path.next();
    TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(succeeded);
    for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
      ResponseOp.Builder out = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> out.setResponseRange(
            RangeQuery.execute(view, op.getRequestRange()));
        case REQUEST_PUT -> out.setResponsePut(doPut(op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> out.setResponseDeleteRange(
            deleteRange(op.getRequestDeleteRange()));
        case REQUEST_TXN -> out.setResponseTxn(execute(op.getRequestTxn(), path)
            .setHeader(ResponseHeader.getDefaultInstance()));
        default -> { }
      }
      resp.addResponses(out);
    }
    return resp;
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  /** The store as this txn sees it: committed state plus its own changes. */
  private final class TxnView implements ReadView {
    @Override
    public long revision() {
      return changes.isEmpty() ? beginRev : beginRev + 1;
    }

    @Override
    public long compactRevision() {
      return compactRev;
    }

    @Override
    public TreeIndex index() {
      return index;
    }

    @Override
    public KeyValue valueAt(Revision rev) {
      KeyValue own = written.get(rev);
      return own != null ? own : MvccStore.parse(backend.revision(rev.encode()), rev);
    }
  }
}
