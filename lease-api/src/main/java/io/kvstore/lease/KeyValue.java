package io.kvstore.lease;

import java.nio.charset.StandardCharsets;

/**
 * One key as the store holds it at some revision. Immutable; {@link #value()} returns the array
 * the store gave, which callers must not modify.
 *
 * @param key the key, UTF-8
 * @param value the value bytes
 * @param createRevision the revision that created this incarnation of the key
 * @param modRevision the revision of its latest change
 * @param leaseId the lease it is attached to, 0 if none
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision,
    long leaseId) {

  /** The value as UTF-8 text. */
  public String valueAsString() {
    return new String(value, StandardCharsets.UTF_8);
  }
}
