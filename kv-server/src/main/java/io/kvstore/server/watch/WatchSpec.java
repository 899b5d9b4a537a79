package io.kvstore.server.watch;

import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest.FilterType;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import java.util.ArrayList;
import java.util.List;

/**
 * What one watcher wants to see: the keys, the first revision (0: from the next change on), the
 * event types it filters out (etcd's NOPUT and NODELETE) and whether events carry {@code prev_kv}.
 * Immutable.
 */
public record WatchSpec(WatchRange range, long startRevision, boolean noPut, boolean noDelete,
    boolean prevKv) {

  /** The spec a create request asks for. */
  public static WatchSpec of(WatchCreateRequest r) {
    return new WatchSpec(WatchRange.of(r.getKey(), r.getRangeEnd()), r.getStartRevision(),
        r.getFiltersList().contains(FilterType.NOPUT),
        r.getFiltersList().contains(FilterType.NODELETE), r.getPrevKv());
  }

  /**
   * The events of {@code events} this watcher receives, in their order: those on its keys and of
   * types it does not filter out, without {@code prev_kv} unless it asked for it.
   */
  List<Event> select(List<Event> events) {
    List<Event> out = new ArrayList<>();
    for (Event e : events) {
      boolean filtered = e.getType() == EventType.PUT ? noPut : noDelete;
      if (filtered || !range.contains(e.getKv().getKey())) {
        continue;
      }
      out.add(!prevKv && e.hasPrevKv() ? e.toBuilder().clearPrevKv().build() : e);
    }
    return out;
  }
}
