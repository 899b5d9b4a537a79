package io.kvstore.server.mvcc;

import io.kvstore.api.mvccpb.Event;
import java.util.List;

/**
 * What a committed {@link WriteTxn} did: the store's revision after it, and its changes as watch
 * events in revision order (all of one main revision; empty if it changed nothing). Each event
 * other than a key's creation carries the key's value from before the txn as {@code prev_kv}, as
 * etcd's watch fills it. Immutable.
 */
public record Commit(long revision, List<Event> events) {
  public Commit {
    events = List.copyOf(events);
  }
}
