package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeRequest.SortOrder;
import io.kvstore.api.etcdserverpb.RangeRequest.SortTarget;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@link RangeRequest} served as etcd 3.5's {@code applierV3backend.Range} and {@code
 * storeTxnRead.rangeKeys} serve it: check the revision (future, then compacted), fetch from the
 * index — all matches when sorting or filtering by revision, else {@code limit + 1} — then drop
 * what the min/max mod/create revision filters exclude, sort, cut to {@code limit} (setting {@code
 * more}), and clear values for {@code keys_only}. {@code count} is the number of keys in the range
 * at the revision, before the filters. The header carries only the revision.
 *
 * <p>Thread-safety: stateless.
 */
final class RangeQuery {
  private static final Comparator<ByteString> BYTES = KeyRange.ORDER;

  private RangeQuery() {
  }

  static RangeResponse execute(ReadView view, RangeRequest r) {
    long limit = r.getLimit();
    if (r.getSortOrder() != SortOrder.NONE || hasRevisionFilters(r)) {
      limit = 0; // fetch everything; sort and cut afterwards
    }
    if (limit > 0) {
      limit++; // one more, to tell whether there is more
    }
    long atRev = checkedRevision(view, r.getRevision());
    KeyRange range = KeyRange.of(r.getKey(), r.getRangeEnd());
    List<KeyValue> kvs = new ArrayList<>();
    long count;
    if (r.getCountOnly()) {
      count = view.index().count(range, atRev);
    } else {
      TreeIndex.Match match = view.index().range(range, atRev, limit);
      match.entries().forEach(e -> kvs.add(view.valueAt(e.modified())));
      count = match.total();
    }
    filter(kvs, r);
    sort(kvs, r);
    RangeResponse.Builder resp = RangeResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(view.revision()))
        .setCount(count);
    List<KeyValue> out = kvs;
    if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
      out = kvs.subList(0, (int) r.getLimit());
      resp.setMore(true);
    }
    for (KeyValue kv : out) {
      resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return resp.build();
  }

  /** Every key of {@code range} at the view's revision, with values, in key order. */
  static List<KeyValue> all(ReadView view, KeyRange range) {
    List<KeyValue> kvs = new ArrayList<>();
    view.index().range(range, view.revision(), 0).entries()
        .forEach(e -> kvs.add(view.valueAt(e.modified())));
    return kvs;
  }

  /**
   * The revision a request for {@code requested} reads at: the view's own for 0 (or less);
   * refused if after it, or before the compacted revision.
   */
  static long checkedRevision(ReadView view, long requested) {
    if (requested > view.revision()) {
      throw new FutureRevisionException();
    }
    long rev = requested <= 0 ? view.revision() : requested;
    if (rev < view.compactRevision()) {
      throw new CompactedException(view.compactRevision());
    }
    return rev;
  }

  private static boolean hasRevisionFilters(RangeRequest r) {
    return r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
        || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
  }

  private static void filter(List<KeyValue> kvs, RangeRequest r) {
    prune(kvs, r.getMaxModRevision(), kv -> kv.getModRevision() > r.getMaxModRevision());
    prune(kvs, r.getMinModRevision(), kv -> kv.getModRevision() < r.getMinModRevision());
    prune(kvs, r.getMaxCreateRevision(),
        kv -> kv.getCreateRevision() > r.getMaxCreateRevision());
    prune(kvs, r.getMinCreateRevision(),
        kv -> kv.getCreateRevision() < r.getMinCreateRevision());
  }

  private static void prune(List<KeyValue> kvs, long bound, Predicate<KeyValue> prunable) {
    if (bound != 0) {
      kvs.removeIf(prunable);
    }
  }

  /**
   * Sorts as etcd does: a target other than KEY with order NONE sorts ascending; KEY with NONE
   * keeps the index's key order. Descending sorts by the reversed comparison, so ties keep key
   * order as Go's {@code sort.Sort(sort.Reverse(..))} keeps them for small inputs (Go's sort is not
   * stable beyond 12 elements; ours is).
   */
  private static void sort(List<KeyValue> kvs, RangeRequest r) {
    SortOrder order = r.getSortOrder();
    if (r.getSortTarget() != SortTarget.KEY && order == SortOrder.NONE) {
      order = SortOrder.ASCEND;
    }
    if (order != SortOrder.ASCEND && order != SortOrder.DESCEND) {
      return;
    }
    Comparator<KeyValue> by = switch (r.getSortTarget()) {
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> Comparator.comparing(KeyValue::getValue, BYTES);
      default -> Comparator.comparing(KeyValue::getKey, BYTES);
    };
    kvs.sort(order == SortOrder.ASCEND ? by : by.reversed());
  }
}
