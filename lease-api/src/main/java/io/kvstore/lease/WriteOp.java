package io.kvstore.lease;

/**
 * A write inside a guarded transaction. Immutable.
 */
public sealed interface WriteOp {

  /** Puts {@code value} at {@code key}, attached to {@code leaseId} (0 for none). */
  record Put(String key, byte[] value, long leaseId) implements WriteOp {}

  /** Deletes {@code key}. */
  record Delete(String key) implements WriteOp {}

  /** Deletes every key starting with {@code prefix}. */
  record DeletePrefix(String prefix) implements WriteOp {}

  static WriteOp put(String key, byte[] value) {
    return new Put(key, value, 0);
  }

  static WriteOp delete(String key) {
    return new Delete(key);
  }
}
