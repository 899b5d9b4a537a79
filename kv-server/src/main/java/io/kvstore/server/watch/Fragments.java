package io.kvstore.server.watch;

import com.google.protobuf.CodedOutputStream;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a watch response too large for one message, as etcd's {@code sendFragments}: a response
 * of at least {@code maxRequestBytes} with two or more events becomes several, each with as many
 * events as keep it under the limit (at least one), all but the last marked {@code fragment}.
 * Stateless.
 */
final class Fragments {
  private Fragments() {}

  static List<WatchResponse> split(WatchResponse response, int maxRequestBytes) {
    if (response.getSerializedSize() < maxRequestBytes || response.getEventsCount() < 2) {
      return List.of(response);
    }
    WatchResponse empty = response.toBuilder().clearEvents().setFragment(true).build();
    int baseSize = empty.getSerializedSize();
    List<WatchResponse> out = new ArrayList<>();
    WatchResponse.Builder cur = empty.toBuilder();
    int size = baseSize;
    for (Event e : response.getEventsList()) {
      int eventSize = CodedOutputStream.computeMessageSize(WatchResponse.EVENTS_FIELD_NUMBER, e);
      if (cur.getEventsCount() > 0 && size + eventSize >= maxRequestBytes) {
        out.add(cur.build());
        cur = empty.toBuilder();
        size = baseSize;
      }
      cur.addEvents(e);
      size += eventSize;
    }
    out.add(cur.setFragment(false).build());
    return out;
  }
}
