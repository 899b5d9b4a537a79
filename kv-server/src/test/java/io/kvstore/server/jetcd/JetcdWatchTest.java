package io.kvstore.server.jetcd;

import static io.kvstore.server.jetcd.JetcdCluster.await;
import static io.kvstore.server.jetcd.JetcdCluster.bytes;
import static io.kvstore.server.jetcd.JetcdCluster.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchEvent.EventType;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's Watch client against a three-member cluster of real kv-server processes: live events in
 * order with etcd's revisions and previous pairs, replay from an old revision, a compacted start
 * revision surfaced as jetcd's {@link CompactedException}, and a watch that survives the SIGKILL of
 * the member serving it, jetcd resuming it elsewhere from the last revision + 1 with no event lost
 * or repeated. The kill test runs last: it leaves the cluster one member short.
 */
@Timeout(120)
@TestMethodOrder(OrderAnnotation.class)
class JetcdWatchTest {
  private static final Duration EVENT_WAIT = Duration.ofSeconds(20);

  @TempDir static Path tmp;
  private static JetcdCluster cluster;
  private static Client client;

  @BeforeAll
  static void startCluster() {
    cluster = JetcdCluster.start(tmp, 3);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * What a watch delivered, appended from jetcd's callback threads. jetcd passes every stream
   * failure to {@link Watch.Listener#onError}, also one it then recovers from by resuming the
   * watch, so a recorder for a watch expected to survive failures tolerates errors.
   */
  private static final class Recorder implements Watch.Listener {
    final List<WatchEvent> events = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> error = new CompletableFuture<>();
    final CompletableFuture<WatchResponse> created = new CompletableFuture<>();
    private final boolean tolerateErrors;

    Recorder() {
      this(false);
    }

    Recorder(boolean tolerateErrors) {
      this.tolerateErrors = tolerateErrors;
    }

    @Override
    public void onNext(WatchResponse response) {
      if (response.isCreatedNotify()) {
        created.complete(response);
      }
      events.addAll(response.getEvents());
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
      error.complete(t);
    }

    @Override
    public void onCompleted() {}

    private void checkError(String what) {
      if (!tolerateErrors && error.isDone()) {
        fail("the watch failed %s: %s", what, error.join());
      }
    }

    /** Waits until at least {@code n} events arrived and returns them. */
    List<WatchEvent> await(int n) {
      long deadline = System.nanoTime() + EVENT_WAIT.toNanos();
      while (events.size() < n) {
        checkError("after " + events.size() + " of " + n + " events");
        if (System.nanoTime() - deadline > 0) {
          fail("only %d of %d events within %s: %s; errors %s", events.size(), n, EVENT_WAIT,
              describe(events), errors);
        }
        pause();
      }
      return List.copyOf(events);
    }

    /** Waits until an event at {@code revision} or later arrived and returns all events. */
    List<WatchEvent> awaitRevision(long revision) {
      long deadline = System.nanoTime() + EVENT_WAIT.toNanos();
      while (events.isEmpty()
          || events.get(events.size() - 1).getKeyValue().getModRevision() < revision) {
        checkError("before revision " + revision);
        if (System.nanoTime() - deadline > 0) {
          fail("no event at revision %d within %s: %s; errors %s", revision, EVENT_WAIT,
              describe(events), errors);
        }
        pause();
      }
      return List.copyOf(events);
    }
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** One event as {@code TYPE key=value@modRevision}, for comparisons and messages. */
  private static String describe(WatchEvent e) {
    KeyValue kv = e.getKeyValue();
    return e.getEventType() + " " + text(kv.getKey()) + "=" + text(kv.getValue()) + "@"
        + kv.getModRevision();
  }

  private static List<String> describe(List<WatchEvent> events) {
    return events.stream().map(JetcdWatchTest::describe).toList();
  }

  private static long revision(PutResponse r) {
    return r.getHeader().getRevision();
  }

  @Test
  @Order(1)
  void aPrefixWatchSeesPutsAndDeletesInOrderWithRevisionsAndPrevKv() throws Exception {
    KV kv = client.getKVClient();
    Recorder rec = new Recorder();
    try (Watch.Watcher w = client.getWatchClient().watch(bytes("live/"), WatchOption.builder()
        .isPrefix(true).withPrevKV(true).withCreateNotify(true).build(), rec)) {
      // withCreateNotify: the created response arrives as an empty WatchResponse once the
      // server registered the watch, so no write below can race the registration.
      rec.created.get(15, TimeUnit.SECONDS);
      long r1 = revision(await(kv.put(bytes("live/a"), bytes("1"))));
      long r2 = revision(await(kv.put(bytes("live/a"), bytes("2"))));
      long r3 = revision(await(kv.put(bytes("live/b"), bytes("3"))));
      await(kv.put(bytes("other/x"), bytes("not watched")));
      long r4 = await(kv.delete(bytes("live/a"))).getHeader().getRevision();

      List<WatchEvent> events = rec.await(4);
      assertThat(describe(events)).containsExactly(
          "PUT live/a=1@" + r1, "PUT live/a=2@" + r2, "PUT live/b=3@" + r3,
          "DELETE live/a=@" + r4);
      assertThat(r2).isEqualTo(r1 + 1);
      assertThat(r3).isEqualTo(r2 + 1);
      assertThat(r4).isEqualTo(r3 + 2);

      KeyValue created = events.get(0).getKeyValue();
      assertThat(created.getCreateRevision()).isEqualTo(r1);
      assertThat(created.getVersion()).isEqualTo(1);
      assertThat(events.get(0).getPrevKV().getKey().isEmpty()).isTrue();

      KeyValue updated = events.get(1).getKeyValue();
      assertThat(updated.getCreateRevision()).isEqualTo(r1);
      assertThat(updated.getVersion()).isEqualTo(2);
      KeyValue prev = events.get(1).getPrevKV();
      assertThat(text(prev.getValue())).isEqualTo("1");
      assertThat(prev.getModRevision()).isEqualTo(r1);
      assertThat(prev.getVersion()).isEqualTo(1);

      KeyValue deleted = events.get(3).getKeyValue();
      assertThat(deleted.getVersion()).isZero();
      assertThat(deleted.getCreateRevision()).isZero();
      KeyValue lastValue = events.get(3).getPrevKV();
      assertThat(text(lastValue.getValue())).isEqualTo("2");
      assertThat(lastValue.getModRevision()).isEqualTo(r2);
      assertThat(lastValue.getVersion()).isEqualTo(2);
    }
    assertThat(rec.error).isNotDone();
  }

  @Test
  @Order(2)
  void aWatchFromAnOldRevisionReplaysHistoryThenGoesLive() throws Exception {
    KV kv = client.getKVClient();
    long r1 = revision(await(kv.put(bytes("hist/a"), bytes("1"))));
    long r2 = revision(await(kv.put(bytes("hist/b"), bytes("2"))));
    long r3 = await(kv.delete(bytes("hist/a"))).getHeader().getRevision();
    long r4 = revision(await(kv.put(bytes("hist/b"), bytes("3"), PutOption.builder()
        .withPrevKV().build())));

    Recorder rec = new Recorder();
    try (Watch.Watcher w = client.getWatchClient().watch(bytes("hist/"), WatchOption.builder()
        .isPrefix(true).withRevision(r2).withPrevKV(true).build(), rec)) {
      List<WatchEvent> replayed = rec.await(3);
      assertThat(describe(replayed)).containsExactly(
          "PUT hist/b=2@" + r2, "DELETE hist/a=@" + r3, "PUT hist/b=3@" + r4);
      assertThat(text(replayed.get(1).getPrevKV().getValue())).isEqualTo("1");
      assertThat(replayed.get(1).getPrevKV().getModRevision()).isEqualTo(r1);
      assertThat(text(replayed.get(2).getPrevKV().getValue())).isEqualTo("2");

      long r5 = revision(await(kv.put(bytes("hist/c"), bytes("4"))));
      assertThat(describe(rec.await(4))).last().isEqualTo("PUT hist/c=4@" + r5);
    }
    assertThat(rec.error).isNotDone();
  }

  @Test
  @Order(3)
  void aWatchFromACompactedRevisionFailsWithCompactedException() throws Exception {
    KV kv = client.getKVClient();
    long r1 = revision(await(kv.put(bytes("gone/a"), bytes("1"))));
    await(kv.put(bytes("gone/a"), bytes("2")));
    long r3 = revision(await(kv.put(bytes("gone/a"), bytes("3"))));
    await(kv.compact(r3));

    Recorder rec = new Recorder();
    try (Watch.Watcher w = client.getWatchClient().watch(bytes("gone/"), WatchOption.builder()
        .isPrefix(true).withRevision(r1).build(), rec)) {
      Throwable error = rec.error.get(15, TimeUnit.SECONDS);
      assertThat(error).isInstanceOf(CompactedException.class);
      assertThat(((CompactedException) error).getCompactedRevision()).isEqualTo(r3);
      assertThat(rec.events).isEmpty();
      // jetcd tells the listener first and closes the watcher right after.
      JetcdCluster.eventually(Duration.ofSeconds(5), w::isClosed, closed -> closed);
    }
  }

  /**
   * The watch client is pinned to one member with pick_first (its other endpoints are the
   * fallback); that member is the leader, and it is SIGKILLed between two series of writes made
   * through the other two members. jetcd reports the broken stream to the listener (which proves
   * the killed member was the one serving it) and resumes on a survivor from its last revision +
   * 1: the watcher's events must equal, one for one, the history a fresh watch replays.
   */
  @Test
  @Order(4)
  void aWatchResumesWithoutGapOrRepeatAfterItsMemberIsKilled() throws Exception {
    int victim = leaderIndex();
    List<Integer> survivors = IntStream.range(0, 3).filter(i -> i != victim).boxed().toList();
    List<String> order = new ArrayList<>();
    order.add(cluster.endpoint(victim));
    survivors.forEach(i -> order.add(cluster.endpoint(i)));
    Client watchClient = cluster.client(Client.builder().endpoints(order.toArray(String[]::new))
        .loadBalancerPolicy("pick_first"));
    Client writer = cluster.client(Client.builder().endpoints(
        survivors.stream().map(cluster::endpoint).toArray(String[]::new)));
    KV kv = writer.getKVClient();

    long start = revision(await(kv.put(bytes("resume/start"), bytes("0"))));
    Recorder rec = new Recorder(true);
    Watch.Watcher w = watchClient.getWatchClient().watch(bytes("resume/"), WatchOption.builder()
        .isPrefix(true).withRevision(start).build(), rec);
    try {
      List<Long> acknowledged = new ArrayList<>(List.of(start));
      for (int i = 0; i < 10; i++) {
        acknowledged.add(revision(await(kv.put(bytes("resume/k" + (i % 3)), bytes("b" + i)))));
      }
      rec.awaitRevision(acknowledged.get(acknowledged.size() - 1));
      assertThat(rec.errors).isEmpty();

      cluster.members.get(victim).kill();

      for (int i = 0; i < 15; i++) {
        acknowledged.add(putUntilAcknowledged(kv, "resume/k" + (i % 4), "a" + i));
      }
      long last = acknowledged.get(acknowledged.size() - 1);
      List<WatchEvent> seen = rec.awaitRevision(last);

      List<Long> revisions = seen.stream().map(e -> e.getKeyValue().getModRevision()).toList();
      assertThat(revisions).as("strictly increasing: in order, no repeats").isSorted()
          .doesNotHaveDuplicates();
      assertThat(revisions).containsAll(acknowledged);

      Recorder history = new Recorder();
      try (Watch.Watcher h = writer.getWatchClient().watch(bytes("resume/"), WatchOption
          .builder().isPrefix(true).withRevision(start).build(), history)) {
        List<WatchEvent> all = history.awaitRevision(last);
        assertThat(describe(seen)).as("resumed watch vs history replayed by a survivor")
            .containsExactlyElementsOf(describe(all));
      }
      assertThat(rec.errors).as("the stream broke when its member died").isNotEmpty()
          .allSatisfy(e -> assertThat(e).isInstanceOf(EtcdException.class)
              .isNotInstanceOf(CompactedException.class));
      assertThat(w.isClosed()).as("jetcd kept the watch").isFalse();
    } finally {
      w.close();
    }
  }

  /**
   * Puts until one attempt is acknowledged and returns its revision. While the killed leader is
   * replaced, attempts may fail; one that failed may still have been applied, which adds an
   * event, so the caller compares against replayed history, not against a count of puts.
   */
  private static long putUntilAcknowledged(KV kv, String key, String value) {
    return JetcdCluster.eventually(Duration.ofSeconds(20),
        () -> revision(kv.put(bytes(key), bytes(value)).get(3, TimeUnit.SECONDS)), r -> true);
  }

  /** The member that every member's status names as leader, as an index into the cluster. */
  private static int leaderIndex() {
    return JetcdCluster.eventually(Duration.ofSeconds(20), () -> {
      Set<Long> leaders = new HashSet<>();
      long[] ids = new long[3];
      for (int i = 0; i < 3; i++) {
        StatusResponse s = await(client.getMaintenanceClient().statusMember(
            cluster.endpoint(i)));
        leaders.add(s.getLeader());
        ids[i] = s.getHeader().getMemberId();
      }
      if (leaders.size() != 1) {
        return -1;
      }
      long leader = leaders.iterator().next();
      return IntStream.range(0, 3).filter(i -> ids[i] == leader).findFirst().orElse(-1);
    }, i -> i >= 0);
  }
}
