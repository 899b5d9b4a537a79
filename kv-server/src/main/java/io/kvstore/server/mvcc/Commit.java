package io.kvstore.server.mvcc;

import io.kvstore.api.mvccpb.Event;
import java.util.List;

/**
 * What a committed {@link WriteTxn} did: the store's revision after it, and its changes as watch
 * events in revision order (all of one main revision; empty if it changed nothing). The events
 * carry no {@code prev_kv}: reading the replaced values costs every write, so watchers that ask
 * for them get them from {@link MvccStore#valueBefore}. Immutable.
 */
public record Commit(long revision, List<Event> events) {
  public Commit {
    events = List.copyOf(events);
  }
}
