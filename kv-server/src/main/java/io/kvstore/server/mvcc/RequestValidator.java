package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd's KV service makes before a request is proposed (its {@code v3rpc/key.go}):
 * keys present, {@code ignore_value}/{@code ignore_lease} without a value/lease, at most {@code
 * maxTxnOps} operations per txn level, and no key written twice in a txn.
 *
 * <p>Thread-safety: immutable.
 */
public final class RequestValidator {
  /** etcd's {@code --max-txn-ops} default. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  private final int maxTxnOps;

  public RequestValidator(int maxTxnOps) {
    if (maxTxnOps <= 0) {
      throw new IllegalArgumentException("maxTxnOps must be positive, not " + maxTxnOps);
    }
    this.maxTxnOps = maxTxnOps;
  }

  public void checkRange(RangeRequest r) {
    requireKey(r.getKey());
  }

  public void checkPut(PutRequest r) {
    checkPutFields(r);
  }

  public void checkDeleteRange(DeleteRangeRequest r) {
    requireKey(r.getKey());
  }

  /**
   * etcd's {@code checkTxnRequest} then {@code checkIntervals} on each branch: the size and keys
   * of every operation first, then the overlaps.
   */
  public void checkTxn(TxnRequest r) {
    checkTxn(r, maxTxnOps);
    new Intervals().check(r.getSuccessList());
    new Intervals().check(r.getFailureList());
  }

  /**
   * The largest of the compare, success and failure counts must not exceed {@code maxOps};
   * nested txns get what is left ({@code maxOps} less that count), as etcd's.
   */
  private static void checkTxn(TxnRequest r, int maxOps) {
    int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
    if (opc > maxOps) {
      throw InvalidRequestException.tooManyOps();
    }
    for (Compare c : r.getCompareList()) {
      requireKey(c.getKey());
    }
    for (RequestOp op : r.getSuccessList()) {
      checkOp(op, maxOps - opc);
    }
    for (RequestOp op : r.getFailureList()) {
      checkOp(op, maxOps - opc);
    }
  }

  private static void checkOp(RequestOp op, int maxOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> requireKey(op.getRequestRange().getKey());
      case REQUEST_PUT -> checkPutFields(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> requireKey(op.getRequestDeleteRange().getKey());
      case REQUEST_TXN -> checkTxn(op.getRequestTxn(), maxOps);
      default -> throw InvalidRequestException.keyNotFound(); // an empty operation, as etcd
    }
  }

  private static void checkPutFields(PutRequest r) {
    requireKey(r.getKey());
    if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
      throw InvalidRequestException.valueProvided();
    }
    if (r.getIgnoreLease() && r.getLease() != 0) {
      throw InvalidRequestException.leaseProvided();
    }
  }

  private static void requireKey(ByteString key) {
    if (key.isEmpty()) {
      throw InvalidRequestException.emptyKey();
    }
  }

  /**
   * etcd's {@code checkIntervals} for one list of operations: the keys it puts (returned for the
   * enclosing level) and the ranges it deletes, refusing a put of a key another put of the same
   * level, or a delete of this level or of an earlier nested txn, also writes. The two branches of
   * one nested txn may put the same key. Ranges are taken as etcd's interval tree takes them:
   * {@code [key, range_end)} with the raw {@code range_end} (so a delete to {@code "\0"} covers no
   * put, as in etcd), {@code [key, key+"\0")} for a single key.
   *
   * <p>Thread-safety: one instance per check.
   */
  private static final class Intervals {
    /** Deleted ranges: this level's, then those of the nested txns seen so far. */
    private final List<ByteString[]> deletes = new ArrayList<>();
    private final Set<ByteString> puts = new HashSet<>();

    Set<ByteString> check(List<RequestOp> ops) {
      for (RequestOp op : ops) {
        if (op.hasRequestDeleteRange()) {
          DeleteRangeRequest d = op.getRequestDeleteRange();
          deletes.add(new ByteString[] {d.getKey(),
              d.getRangeEnd().isEmpty() ? d.getKey().concat(ByteString.copyFrom(new byte[] {0}))
                  : d.getRangeEnd()});
        }
      }
      for (RequestOp op : ops) {
        if (!op.hasRequestTxn()) {
          continue;
        }
        Intervals then = new Intervals();
        Set<ByteString> putsThen = then.check(op.getRequestTxn().getSuccessList());
        Intervals otherwise = new Intervals();
        Set<ByteString> putsElse = otherwise.check(op.getRequestTxn().getFailureList());
        for (ByteString k : putsThen) {
          if (puts.contains(k) || deleted(k)) {
            throw InvalidRequestException.duplicateKey();
          }
          puts.add(k);
        }
        for (ByteString k : putsElse) {
          if ((puts.contains(k) && !putsThen.contains(k)) || deleted(k)) {
            throw InvalidRequestException.duplicateKey();
          }
          puts.add(k);
        }
        deletes.addAll(then.deletes);
        deletes.addAll(otherwise.deletes);
      }
      for (RequestOp op : ops) {
        if (!op.hasRequestPut()) {
          continue;
        }
        ByteString k = op.getRequestPut().getKey();
        if (puts.contains(k) || deleted(k)) {
          throw InvalidRequestException.duplicateKey();
        }
        puts.add(k);
      }
      return puts;
    }

    /** Whether a deleted range holds {@code k}: begin ≤ k < end. */
    private boolean deleted(ByteString k) {
      for (ByteString[] d : deletes) {
        if (KeyRange.ORDER.compare(d[0], k) <= 0 && KeyRange.ORDER.compare(k, d[1]) < 0) {
          return true;
        }
      }
      return false;
    }
  }
}
