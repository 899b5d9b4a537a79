package io.kvstore.server.watch;

import static io.kvstore.server.watch.StoreWriter.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.WatchCancelRequest;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchGrpc;
import io.kvstore.api.etcdserverpb.WatchProgressRequest;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.server.etcd.WatchService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code etcdserverpb.Watch} over the in-process transport, on a hub over a real store: the
 * responses etcd sends for create, cancel and progress requests, ids, errors, fragments,
 * compaction, progress notifications, flow control and the end of a stream.
 */
@Timeout(60)
class WatchServiceTest {
  private static final long CLUSTER = 0x1111;
  private static final long MEMBER = 0x2222;
  private static final long TERM = 7;
  private static final int MAX_REQUEST_BYTES = 2_000;

  @TempDir Path tmp;
  private StoreWriter w;
  private WatchHub hub;
  private WatchService service;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    w = new StoreWriter(tmp.resolve("db"));
    hub = w.startHub(WatchHub.BATCH_REVISIONS, WatchHub.BATCH_BYTES);
  }

  private void serve(Duration progressInterval) throws Exception {
    service = new WatchService(hub, CLUSTER, MEMBER, () -> TERM, MAX_REQUEST_BYTES,
        progressInterval);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      service.close();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    w.close();
  }

  /** One client stream: what it sent and what it received. */
  private final class Client implements ClientResponseObserver<WatchRequest, WatchResponse> {
    final BlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();
    final int initialRequests;
    ClientCallStreamObserver<WatchRequest> requests;

    Client(int initialRequests) {
      this.initialRequests = initialRequests;
      WatchGrpc.newStub(channel).watch(this);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
      requests = stream;
      if (initialRequests >= 0) {
        stream.disableAutoRequestWithInitial(initialRequests);
      }
    }

    @Override
    public void onNext(WatchResponse r) {
      received.add(r);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    void create(WatchCreateRequest.Builder r) {
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(r).build());
    }

    void cancel(long id) {
      requests.onNext(WatchRequest.newBuilder()
          .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build());
    }

    void requestProgress() {
      requests.onNext(WatchRequest.newBuilder()
          .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }

    WatchResponse next() throws InterruptedException {
      WatchResponse r = received.poll(20, TimeUnit.SECONDS);
      assertThat(r).as("a response within 20 s").isNotNull();
      return r;
    }
  }

  private Client client() {
    return new Client(-1);
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setClusterId(CLUSTER).setMemberId(MEMBER)
        .setRevision(revision).setRaftTerm(TERM).build();
  }

  private static WatchCreateRequest.Builder key(String key) {
    return WatchCreateRequest.newBuilder().setKey(b(key));
  }

  @Test
  void createdComesFirstWithServerChosenIdsThenEventsWithEtcdHeaders() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    Client c = client();
    c.create(key("a"));
    c.create(key("a").setPrevKv(true));

    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(1)).setWatchId(0)
        .setCreated(true).build());
    assertThat(c.next().getWatchId()).isEqualTo(1);
    w.put("a", "1");
    w.put("a", "2");

    List<WatchResponse> got = List.of(c.next(), c.next(), c.next(), c.next());
    assertThat(got).extracting(WatchResponse::getWatchId).containsExactlyInAnyOrder(0L, 0L, 1L, 1L);
    assertThat(got).allSatisfy(r -> {
      assertThat(r.getHeader()).isEqualTo(header(r.getEvents(0).getKv().getModRevision()));
      assertThat(r.getEventsCount()).isEqualTo(1);
      assertThat(r.getEvents(0).hasPrevKv())
          .isEqualTo(r.getWatchId() == 1 && r.getEvents(0).getKv().getModRevision() == 3);
    });
  }

  @Test
  void clientChosenIdsDuplicatesAndEmptyRangesAnswerAsEtcd() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    Client c = client();
    c.create(key("a").setWatchId(1));
    c.create(key("a").setWatchId(1));
    c.create(key("a"));
    c.create(key("a"));
    c.create(key("b").setRangeEnd(b("a")));

    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(1)).setWatchId(1)
        .setCreated(true).build());
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(1)).setWatchId(-1)
        .setCreated(true).setCanceled(true)
        .setCancelReason("mvcc: duplicate watch ID provided on the WatchStream").build());
    assertThat(c.next().getWatchId()).isEqualTo(0);
    assertThat(c.next().getWatchId()).isEqualTo(2);
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(1)).setWatchId(-1)
        .setCreated(true).setCanceled(true).setCancelReason("mvcc: watcher range is empty")
        .build());
  }

  @Test
  void cancelAnswersCanceledAndStopsEventsAndAnUnknownIdGetsNoAnswer() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    Client c = client();
    c.create(key("a"));
    c.next();
    w.put("a", "1");
    assertThat(c.next().getEvents(0).getKv().getModRevision()).isEqualTo(2);
    c.cancel(0);
    c.cancel(42);
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(2)).setWatchId(0)
        .setCanceled(true).build());
    w.put("a", "2");
    c.requestProgress();

    assertThat(c.next()).as("no answer to the unknown id, no event after cancel")
        .isEqualTo(WatchResponse.newBuilder().setHeader(header(3)).setWatchId(-1).build());
    assertThat(hub.watcherCount()).isZero();
  }

  @Test
  void progressRequestAnswersWithTheRevisionEveryWatcherHasReached() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    w.put("a", "1");
    w.put("b", "1");
    Client c = client();
    c.create(key("a").setStartRevision(1));
    c.create(key("zzz"));
    c.requestProgress();

    List<WatchResponse> got = new ArrayList<>();
    while (got.isEmpty() || got.get(got.size() - 1).getWatchId() != -1) {
      got.add(c.next());
    }
    WatchResponse progress = got.get(got.size() - 1);
    assertThat(progress).isEqualTo(WatchResponse.newBuilder().setHeader(header(3))
        .setWatchId(-1).build());
    assertThat(got.stream().flatMap(r -> r.getEventsList().stream())
        .map(e -> e.getKv().getModRevision()).toList())
        .as("the history before the progress notification").containsExactly(2L);
  }

  @Test
  void idleProgressNotifyWatchersGetEmptyResponsesPeriodically() throws Exception {
    serve(Duration.ofMillis(50));
    Client c = client();
    c.create(key("a").setProgressNotify(true));
    c.next();
    w.put("b", "1");

    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(2)).setWatchId(0)
        .build());
  }

  @Test
  void aLargeTxnIsFragmentedOnlyForWatchersThatAskForIt() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    Client c = client();
    c.create(key("f").setRangeEnd(b("g")).setFragment(true));
    c.create(key("f").setRangeEnd(b("g")).setWatchId(9));
    c.next();
    c.next();
    String big = "x".repeat(700);

    w.txnPut("f1=" + big, "f2=" + big, "f3=" + big, "f4=" + big, "f5=" + big);

    List<WatchResponse> fragmented = new ArrayList<>();
    List<WatchResponse> whole = new ArrayList<>();
    while (whole.isEmpty() || fragmented.isEmpty()
        || fragmented.get(fragmented.size() - 1).getFragment()) {
      WatchResponse r = c.next();
      (r.getWatchId() == 0 ? fragmented : whole).add(r);
    }
    assertThat(whole).singleElement().satisfies(r -> assertThat(r.getEventsCount()).isEqualTo(5));
    assertThat(fragmented).hasSizeGreaterThan(1);
    assertThat(fragmented).allSatisfy(r -> {
      assertThat(r.getEventsCount()).isPositive();
      assertThat(r.getHeader()).isEqualTo(header(2));
    });
    assertThat(fragmented.subList(0, fragmented.size() - 1))
        .allSatisfy(r -> assertThat(r.getFragment()).isTrue());
    assertThat(fragmented.stream().flatMap(r -> r.getEventsList().stream()).toList())
        .isEqualTo(whole.get(0).getEventsList());
  }

  @Test
  void aWatchOnACompactedRevisionIsCreatedThenCanceledWithTheCompactRevision() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    for (int i = 0; i < 5; i++) {
      w.put("a", "v" + i);
    }
    w.compact(4);
    Client c = client();
    c.create(key("a").setStartRevision(2));

    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(6)).setWatchId(0)
        .setCreated(true).build());
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(header(0)).setWatchId(0)
        .setCanceled(true).setCompactRevision(4).build());
  }

  @Test
  void aClientThatStopsReadingBlocksNoOneAndLaterGetsEveryEventOnce() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    Client stalled = new Client(1);
    Client reader = client();
    stalled.create(key("k").setRangeEnd(b("l")));
    reader.create(key("k").setRangeEnd(b("l")));
    assertThat(stalled.next().getCreated()).isTrue();
    assertThat(reader.next().getCreated()).isTrue();
    int writes = 3_000;
    String value = "v".repeat(1_000);

    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int i = 0; i < writes; i++) {
        w.put("k" + (i % 3), value + i);
      }
    });
    assertThat(hub.anyBehind()).as("the stalled watcher fell back to history").isTrue();
    List<Long> readerRevs = revisions(reader, writes + 1);
    stalled.requests.request(Integer.MAX_VALUE);
    List<Long> stalledRevs = revisions(stalled, writes + 1);

    List<Long> expected = new ArrayList<>();
    for (long rev = 2; rev <= writes + 1; rev++) {
      expected.add(rev);
    }
    assertThat(readerRevs).isEqualTo(expected);
    assertThat(stalledRevs).isEqualTo(expected);
  }

  private static List<Long> revisions(Client c, long through) throws InterruptedException {
    List<Long> revs = new ArrayList<>();
    while (revs.isEmpty() || revs.get(revs.size() - 1) < through) {
      for (Event e : c.next().getEventsList()) {
        revs.add(e.getKv().getModRevision());
      }
    }
    return revs;
  }

  @Test
  void aStreamTheClientEndsLosesItsWatchersAndServerShutdownEndsStreams() throws Exception {
    serve(WatchService.DEFAULT_PROGRESS_INTERVAL);
    Client gone = client();
    Client open = client();
    gone.create(key("a"));
    gone.create(key("b").setStartRevision(1));
    open.create(key("c"));
    gone.next();
    gone.next();
    open.next();
    assertThat(hub.watcherCount()).isEqualTo(3);

    gone.requests.cancel("client leaves", null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (hub.watcherCount() != 1) {
      assertThat(System.nanoTime()).as("watchers removed within 20 s").isLessThan(deadline);
      Thread.sleep(5);
    }

    service.close();
    assertThat(hub.watcherCount()).isZero();
  }
}
