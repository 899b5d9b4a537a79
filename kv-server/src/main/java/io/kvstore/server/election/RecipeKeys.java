package io.kvstore.server.election;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeRequest.SortOrder;
import io.kvstore.api.etcdserverpb.RangeRequest.SortTarget;

/**
 * The keys and requests of etcd's {@code concurrency} recipes, which its election and lock servers
 * run: a participant's key is {@code name + "/" + hex(lease)} (Go's {@code "%s%x"}), and the
 * participants of one election or lock are the keys under {@code name + "/"}, queued by create
 * revision. Stateless.
 */
final class RecipeKeys {
  private RecipeKeys() {}

  /** The prefix under which the participants of {@code name} keep their keys. */
  static ByteString prefix(ByteString name) {
    return name.concat(ByteString.copyFromUtf8("/"));
  }

  /**
   * The key of the participant holding {@code lease}: its id in lower-case hex as Go's {@code %x}
   * prints an {@code int64}, with a minus sign rather than two's complement.
   */
  static ByteString participant(ByteString name, long lease) {
    String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
    return prefix(name).concat(ByteString.copyFromUtf8(hex));
  }

  /**
   * The end of the range of every key starting with {@code prefix} (clientv3's {@code
   * GetPrefixRangeEnd}): the prefix with its last byte below 0xff incremented and what follows
   * dropped, or {@code "\0"} (every key from {@code prefix} on) if all its bytes are 0xff.
   */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  /** The participant created first under {@code prefix}: the leader or lock holder. */
  static RangeRequest firstCreated(ByteString prefix) {
    return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
        .setSortTarget(SortTarget.CREATE).setSortOrder(SortOrder.ASCEND).setLimit(1).build();
  }

  /**
   * The last two participants under {@code prefix} created at or before {@code revision}, latest
   * first: the key created at {@code revision} itself, if it still exists, and the one queued
   * just before it.
   */
  static RangeRequest lastTwoCreatedBy(ByteString prefix, long revision) {
    return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
        .setSortTarget(SortTarget.CREATE).setSortOrder(SortOrder.DESCEND).setLimit(2)
        .setMaxCreateRevision(revision).build();
  }

  /** A single key. */
  static RangeRequest get(ByteString key) {
    return RangeRequest.newBuilder().setKey(key).build();
  }

  /** {@code create_revision(key) == revision}; with 0, that {@code key} does not exist. */
  static Compare createdAt(ByteString key, long revision) {
    return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
  }
}
