package io.kvstore.server.watch;

import static io.kvstore.server.watch.StoreWriter.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest.FilterType;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub over a real MVCC store, written as the apply thread writes it: live delivery, filters,
 * history replay and resumption, compaction, slow consumers and catch-up racing writes.
 */
@Timeout(60)
class WatchHubTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private StoreWriter w;
  private WatchHub hub;

  @BeforeEach
  void open() {
    w = new StoreWriter(tmp.resolve("db"));
  }

  @AfterEach
  void close() {
    w.close();
  }

  private void startHub() {
    hub = w.startHub(WatchHub.BATCH_REVISIONS, WatchHub.BATCH_BYTES);
  }

  private static WatchCreateRequest.Builder prefix(String prefix) {
    return WatchCreateRequest.newBuilder().setKey(b(prefix))
        .setRangeEnd(b(prefix.substring(0, prefix.length() - 1)
            + (char) (prefix.charAt(prefix.length() - 1) + 1)));
  }

  private Watcher watch(long id, WatchCreateRequest.Builder r, WatchSink sink) {
    return hub.watch(id, WatchSpec.of(r.build()), sink, rev -> { });
  }

  /** Events as "PUT key=value@rev" / "DELETE key@rev", with " prev=value" when they carry one. */
  private static List<String> describe(List<Event> events) {
    List<String> out = new ArrayList<>();
    for (Event e : events) {
      String s = e.getType() == EventType.PUT
          ? "PUT " + e.getKv().getKey().toStringUtf8() + "=" + e.getKv().getValue().toStringUtf8()
          : "DELETE " + e.getKv().getKey().toStringUtf8();
      s += "@" + e.getKv().getModRevision();
      if (e.hasPrevKv()) {
        s += " prev=" + e.getPrevKv().getValue().toStringUtf8();
      }
      out.add(s);
    }
    return out;
  }

  @Test
  void liveWatcherGetsEachMatchingCommitOnceInOrderAtItsRevision() throws Exception {
    startHub();
    RecordingSink sink = new RecordingSink(100);
    AtomicLong createdAt = new AtomicLong();
    hub.watch(0, WatchSpec.of(prefix("foo").build()), sink, createdAt::set);

    w.put("foo1", "a");
    w.put("bar", "x");
    w.put("foo2", "b");
    w.put("foo1", "c");
    w.delete("foo1");

    assertThat(createdAt.get()).isEqualTo(1);
    List<WatchBatch> batches = sink.takeAll();
    assertThat(batches).extracting(WatchBatch::revision).containsExactly(2L, 4L, 5L, 6L);
    assertThat(batches).allSatisfy(batch -> assertThat(batch.watchId()).isZero());
    assertThat(batches.stream().flatMap(x -> describe(x.events()).stream()).toList())
        .containsExactly("PUT foo1=a@2", "PUT foo2=b@4", "PUT foo1=c@5", "DELETE foo1@6");
  }

  @Test
  void filtersAndPrevKvAreHonoured() {
    startHub();
    RecordingSink noPut = new RecordingSink(100);
    RecordingSink noDelete = new RecordingSink(100);
    RecordingSink withPrev = new RecordingSink(100);
    RecordingSink singleKey = new RecordingSink(100);
    RecordingSink fromKey = new RecordingSink(100);
    watch(0, WatchCreateRequest.newBuilder().setKey(b("k")).addFilters(FilterType.NOPUT), noPut);
    watch(1, WatchCreateRequest.newBuilder().setKey(b("k")).addFilters(FilterType.NODELETE),
        noDelete);
    watch(2, WatchCreateRequest.newBuilder().setKey(b("k")).setPrevKv(true), withPrev);
    watch(3, WatchCreateRequest.newBuilder().setKey(b("k")), singleKey);
    watch(4, WatchCreateRequest.newBuilder().setKey(b("k")).setRangeEnd(b("\0")), fromKey);

    w.put("k", "1");
    w.put("k", "2");
    w.put("j", "before k");
    w.put("kz", "after k");
    w.delete("k");

    assertThat(describe(noPut.takeAll().stream().flatMap(x -> x.events().stream()).toList()))
        .containsExactly("DELETE k@6");
    assertThat(describe(noDelete.takeAll().stream().flatMap(x -> x.events().stream()).toList()))
        .containsExactly("PUT k=1@2", "PUT k=2@3");
    assertThat(describe(withPrev.takeAll().stream().flatMap(x -> x.events().stream()).toList()))
        .containsExactly("PUT k=1@2", "PUT k=2@3 prev=1", "DELETE k@6 prev=2");
    assertThat(describe(singleKey.takeAll().stream().flatMap(x -> x.events().stream()).toList()))
        .containsExactly("PUT k=1@2", "PUT k=2@3", "DELETE k@6");
    assertThat(describe(fromKey.takeAll().stream().flatMap(x -> x.events().stream()).toList()))
        .containsExactly("PUT k=1@2", "PUT k=2@3", "PUT kz=after k@5", "DELETE k@6");
  }

  @Test
  void oneTxnIsOneBatch() {
    startHub();
    RecordingSink sink = new RecordingSink(100);
    watch(0, prefix("t"), sink);

    w.txnPut("t1=a", "t2=b", "x=c", "t3=d");

    List<WatchBatch> batches = sink.takeAll();
    assertThat(batches).hasSize(1);
    assertThat(describe(batches.get(0).events()))
        .containsExactly("PUT t1=a@2", "PUT t2=b@2", "PUT t3=d@2");
  }

  @Test
  void watcherFromAPastRevisionReplaysHistoryThenContinuesLiveAndResumesExactly()
      throws Exception {
    startHub();
    for (int i = 1; i <= 5; i++) {
      w.put("a", "v" + i); // revisions 2..6
    }
    RecordingSink sink = new RecordingSink(100);
    AtomicLong createdAt = new AtomicLong();
    hub.watch(0, WatchSpec.of(WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(4)
        .build()), sink, createdAt::set);

    WatchBatch history = sink.take(WAIT);
    assertThat(createdAt.get()).isEqualTo(6);
    assertThat(history.revision()).isEqualTo(6);
    assertThat(describe(history.events())).containsExactly("PUT a=v3@4", "PUT a=v4@5",
        "PUT a=v5@6");
    awaitSynced(sink, 1);
    w.put("a", "v6");
    assertThat(describe(sink.take(WAIT).events())).containsExactly("PUT a=v6@7");

    RecordingSink resumed = new RecordingSink(100);
    hub.watch(1, WatchSpec.of(WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(6)
        .build()), resumed, rev -> { });
    w.put("a", "v7");
    assertThat(describe(resumed.eventsThrough(8, WAIT)))
        .containsExactly("PUT a=v5@6", "PUT a=v6@7", "PUT a=v7@8");
  }

  @Test
  void watcherFromAFutureRevisionSeesChangesFromThereOn() {
    startHub();
    RecordingSink sink = new RecordingSink(100);
    watch(0, WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(4), sink);

    w.put("a", "1");
    w.put("a", "2");
    w.put("a", "3");

    assertThat(describe(sink.takeAll().get(0).events())).containsExactly("PUT a=3@4");
  }

  @Test
  void watcherFromACompactedRevisionIsCancelledWithTheCompactRevision() throws Exception {
    startHub();
    for (int i = 1; i <= 5; i++) {
      w.put("a", "v" + i);
    }
    w.compact(4);
    RecordingSink atCompacted = new RecordingSink(100);
    RecordingSink before = new RecordingSink(100);
    watch(0, WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(4), atCompacted);
    Watcher gone = watch(1, WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(3),
        before);

    WatchBatch cancelled = before.take(WAIT);
    assertThat(cancelled.isCompacted()).isTrue();
    assertThat(cancelled.compactRevision()).isEqualTo(4);
    assertThat(cancelled.revision()).isZero();
    assertThat(describe(atCompacted.eventsThrough(6, WAIT)))
        .containsExactly("PUT a=v3@4", "PUT a=v4@5", "PUT a=v5@6");
    assertThat(hub.cancel(gone)).isFalse();
    w.put("a", "v6");
    assertThat(before.held()).isZero();
  }

  @Test
  void cancelledWatcherGetsNothingMore() {
    startHub();
    RecordingSink sink = new RecordingSink(100);
    Watcher watcher = watch(0, WatchCreateRequest.newBuilder().setKey(b("a")), sink);

    assertThat(hub.cancel(watcher)).isTrue();
    w.put("a", "1");

    assertThat(sink.held()).isZero();
    assertThat(hub.cancel(watcher)).isFalse();
  }

  @Test
  void slowConsumerBlocksNeitherWritesNorOtherWatchersAndLaterGetsEverythingOnce()
      throws Exception {
    startHub();
    RecordingSink slow = new RecordingSink(1);
    RecordingSink fast = new RecordingSink(Integer.MAX_VALUE);
    watch(0, prefix("k"), slow);
    watch(1, prefix("k"), fast);
    List<String> expected = new ArrayList<>();

    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int i = 0; i < 500; i++) {
        w.put("k" + (i % 7), "v" + i);
        expected.add("PUT k" + (i % 7) + "=v" + i + "@" + (i + 2));
      }
    });

    assertThat(describe(fast.takeAll().stream().flatMap(x -> x.events().stream()).toList()))
        .isEqualTo(expected);
    assertThat(slow.held()).isEqualTo(1);
    assertThat(describe(slow.eventsThrough(501, WAIT))).isEqualTo(expected);
  }

  @Test
  void catchUpRacingWritesNeitherLosesNorRepeatsNorSplitsARevision() throws Exception {
    hub = w.startHub(7, 200);
    for (int i = 0; i < 300; i++) {
      w.put("r" + (i % 5), "pre" + i);
    }
    int racing = 1500;
    Thread writer = new Thread(() -> {
      for (int i = 0; i < racing; i++) {
        if (i % 10 == 0) {
          w.txnPut("r" + (i % 5) + "=x" + i, "rr" + i + "=y" + i);
        } else {
          w.put("r" + (i % 5), "live" + i);
        }
      }
    }, "test-writer");
    RecordingSink sink = new RecordingSink(3);
    writer.start();
    watch(0, prefix("r"), sink, 2);
    long last = 1 + 300 + racing;

    List<Event> seen = new ArrayList<>();
    while (seen.isEmpty() || seen.get(seen.size() - 1).getKv().getModRevision() < last) {
      WatchBatch batch = sink.take(WAIT);
      assertThat(batch.events()).isNotEmpty();
      long firstRev = batch.events().get(0).getKv().getModRevision();
      if (!seen.isEmpty()) {
        assertThat(firstRev).as("a revision split over batches")
            .isGreaterThan(seen.get(seen.size() - 1).getKv().getModRevision());
      }
      seen.addAll(batch.events());
    }
    writer.join();

    List<String> got = new ArrayList<>();
    for (Event e : seen) {
      got.add(e.getKv().getKey().toStringUtf8() + "@" + e.getKv().getModRevision());
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      expected.add("r" + (i % 5) + "@" + (i + 2));
    }
    for (int i = 0; i < racing; i++) {
      long rev = 302 + i;
      expected.add("r" + (i % 5) + "@" + rev);
      if (i % 10 == 0) {
        expected.add("rr" + i + "@" + rev);
      }
    }
    assertThat(got).isEqualTo(expected);
  }

  private Watcher watch(long id, WatchCreateRequest.Builder r, WatchSink sink, long start) {
    return watch(id, r.setStartRevision(start), sink);
  }

  @Test
  void progressIsSentOnlyToSyncedWatchers() throws Exception {
    startHub();
    w.put("a", "1");
    RecordingSink synced = new RecordingSink(100);
    RecordingSink stuck = new RecordingSink(0);
    Watcher live = watch(0, WatchCreateRequest.newBuilder().setKey(b("a")), synced);
    Watcher behind = watch(1, WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(2),
        stuck);

    assertThat(hub.progress(live)).isTrue();
    assertThat(synced.take(WAIT)).isEqualTo(WatchBatch.progress(0, 2));
    assertThat(hub.progress(behind)).isFalse();
    assertThat(hub.progressAll(List.of(live, behind), synced)).isFalse();
    assertThat(hub.progressAll(List.of(live), synced)).isTrue();
    assertThat(synced.take(WAIT)).isEqualTo(WatchBatch.progress(-1, 2));
    assertThat(hub.progressAll(List.of(), synced)).isTrue();
    assertThat(synced.take(WAIT)).isEqualTo(WatchBatch.progress(-1, 2));
  }

  @Test
  void aLostPublicationSendsWatchersBackToHistory() throws Exception {
    startHub();
    RecordingSink sink = new RecordingSink(100);
    watch(0, WatchCreateRequest.newBuilder().setKey(b("a")), sink);

    w.put("a", "1");
    w.putUnpublished("a", "2");
    w.put("a", "3");

    assertThat(describe(sink.eventsThrough(4, WAIT)))
        .containsExactly("PUT a=1@2", "PUT a=2@3", "PUT a=3@4");
    awaitSynced(sink, 1);
    w.put("a", "4");
    assertThat(describe(sink.take(WAIT).events())).containsExactly("PUT a=4@5");
  }

  private static void awaitSynced(RecordingSink sink, int times) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (sink.syncedCalls() < times) {
      assertThat(System.nanoTime()).as("watcher synced within %s", WAIT).isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
