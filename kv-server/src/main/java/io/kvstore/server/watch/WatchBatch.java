package io.kvstore.server.watch;

import io.kvstore.api.mvccpb.Event;
import java.util.List;

/**
 * What the hub hands one watcher's sink: events (all of whole revisions, in revision order), an
 * empty progress notification, or the news that the watcher's start revision was compacted (the
 * watcher is then cancelled). Immutable.
 *
 * @param watchId the watcher's id, or -1 for a progress notification on behalf of a whole stream
 * @param revision the revision up to which the watcher has now seen every change (0 for a
 *     compaction, as etcd's header says)
 * @param compactRevision the store's compacted revision if the watcher was cancelled, else 0
 */
public record WatchBatch(long watchId, long revision, List<Event> events, long compactRevision) {
  public WatchBatch {
    events = List.copyOf(events);
  }

  static WatchBatch events(long watchId, long revision, List<Event> events) {
    return new WatchBatch(watchId, revision, events, 0);
  }

  static WatchBatch progress(long watchId, long revision) {
    return new WatchBatch(watchId, revision, List.of(), 0);
  }

  static WatchBatch compacted(long watchId, long compactRevision) {
    return new WatchBatch(watchId, 0, List.of(), compactRevision);
  }

  public boolean isCompacted() {
    return compactRevision != 0;
  }
}
