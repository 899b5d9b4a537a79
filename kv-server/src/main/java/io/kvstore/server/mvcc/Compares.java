package io.kvstore.server.mvcc;

import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.mvccpb.KeyValue;
import java.util.List;

/**
 * A txn's compares evaluated as etcd's {@code applyCompare}/{@code compareKV}: each compare holds
 * for every key of its range at the view's revision; a range with no key compares an all-zero
 * {@code KeyValue}, except that a VALUE compare on no key always fails. A compare with an
 * unknown result holds. A target value of another kind than the target compares as zero
 * (or empty), as in Go.
 *
 * <p>Thread-safety: stateless.
 */
final class Compares {
  private Compares() {
  }

  /** Whether every compare holds. */
  static boolean all(ReadView view, List<Compare> compares) {
    for (Compare c : compares) {
      if (!holds(view, c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean holds(ReadView view, Compare c) {
    List<KeyValue> kvs = RangeQuery.all(view, KeyRange.of(c.getKey(), c.getRangeEnd()));
    if (kvs.isEmpty()) {
      return c.getTarget() != Compare.CompareTarget.VALUE
          && holds(c, KeyValue.getDefaultInstance());
    }
    for (KeyValue kv : kvs) {
      if (!holds(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean holds(Compare c, KeyValue kv) {
    int result = switch (c.getTarget()) {
      case VALUE -> Integer.signum(KeyRange.ORDER.compare(kv.getValue(), c.getValue()));
      case CREATE -> Long.compare(kv.getCreateRevision(), c.getCreateRevision());
      case MOD -> Long.compare(kv.getModRevision(), c.getModRevision());
      case VERSION -> Long.compare(kv.getVersion(), c.getVersion());
      case LEASE -> Long.compare(kv.getLease(), c.getLease());
      default -> 0;
    };
    return switch (c.getResult()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
      default -> true;
    };
  }
}
