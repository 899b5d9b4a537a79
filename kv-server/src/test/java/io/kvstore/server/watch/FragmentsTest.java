package io.kvstore.server.watch;

import static io.kvstore.server.watch.StoreWriter.b;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Splitting of large responses, as etcd's {@code sendFragments}. */
class FragmentsTest {
  private static WatchResponse response(int events, int valueBytes) {
    WatchResponse.Builder r = WatchResponse.newBuilder().setWatchId(3)
        .setHeader(ResponseHeader.newBuilder().setRevision(9));
    for (int i = 0; i < events; i++) {
      r.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(b("k" + i))
          .setValue(b("v".repeat(valueBytes))).setModRevision(9)));
    }
    return r.build();
  }

  @Test
  void aResponseUnderTheLimitOrWithOneEventIsSentWhole() {
    WatchResponse small = response(3, 10);
    WatchResponse single = response(1, 5_000);

    assertThat(Fragments.split(small, small.getSerializedSize() + 1)).containsExactly(small);
    assertThat(Fragments.split(single, 100)).containsExactly(single);
  }

  @Test
  void eachFragmentTakesEventsWhileItStaysUnderTheLimitAndOnlyTheLastIsUnmarked() {
    WatchResponse big = response(7, 100);
    int oneEvent = response(1, 100).toBuilder().setFragment(true).build().getSerializedSize();
    int twoEvents = response(2, 100).toBuilder().setFragment(true).build().getSerializedSize();
    int limit = twoEvents + (twoEvents - oneEvent) - 1; // two fit, a third reaches the limit

    List<WatchResponse> parts = Fragments.split(big, limit);

    assertThat(parts).extracting(WatchResponse::getEventsCount).containsExactly(2, 2, 2, 1);
    assertThat(parts).extracting(WatchResponse::getFragment)
        .containsExactly(true, true, true, false);
    assertThat(parts).allSatisfy(p -> {
      assertThat(p.getSerializedSize()).isLessThan(limit);
      assertThat(p.getWatchId()).isEqualTo(3);
      assertThat(p.getHeader().getRevision()).isEqualTo(9);
    });
    assertThat(parts.stream().flatMap(p -> p.getEventsList().stream()).toList())
        .isEqualTo(big.getEventsList());
  }

  @Test
  void anEventLargerThanTheLimitTravelsAloneInItsFragment() {
    WatchResponse big = response(3, 1_000);

    List<WatchResponse> parts = Fragments.split(big, 500);

    assertThat(parts).extracting(WatchResponse::getEventsCount).containsExactly(1, 1, 1);
    assertThat(parts).extracting(WatchResponse::getFragment).containsExactly(true, true, false);
  }
}
