package io.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.kvstore.api.etcdserverpb.CompactionRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KvClient} against a three-member cluster of real kv-server processes, one of which is
 * killed with SIGKILL: reads go on, every write is either acknowledged and applied exactly once,
 * reported of unknown outcome (applied at most once), or refused and not applied; a watch resumes
 * on another member with no event missing or repeated; a compacted resume point is reported with
 * its compact revision; a member without a leader refuses, definitely, what asks for one.
 */
@Timeout(180)
class KvClientProcessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private ProcessCluster cluster;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void start() {
    cluster = new ProcessCluster(tmp);
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    cluster.close();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static RangeRequest prefix(String p, boolean serializable) {
    return RangeRequest.newBuilder().setKey(b(p)).setRangeEnd(b(p.substring(0, p.length() - 1)
        + (char) (p.charAt(p.length() - 1) + 1))).setSerializable(serializable).build();
  }

  private static Map<String, KeyValue> readBack(KvClient client, String p) {
    RangeResponse r = client.kv().range(prefix(p, false)).join();
    return r.getKvsList().stream()
        .collect(Collectors.toMap(kv -> kv.getKey().toStringUtf8(), Function.identity()));
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private int leader() {
    long leaderId = cluster.status(0).getLeader();
    return cluster.indexOf(leaderId);
  }

  /** What became of one put. */
  private record Outcome(String key, PutResponse response, Throwable error) { }

  @Test
  void whenTheLeaderIsKilledReadsGoOnAndNoWriteIsLostOrDoubled() throws Exception {
    KvClient client = cluster.client(TIMEOUT, false);
    int victim = leader();
    List<Outcome> outcomes = new ArrayList<>();
    List<Future<List<Outcome>>> writers = new ArrayList<>();
    Map<Integer, Integer> readsAfterKill = new ConcurrentHashMap<>();
    AtomicBoolean killed = new AtomicBoolean();
    for (int w = 0; w < 4; w++) {
      int writer = w;
      writers.add(threads.submit(() -> {
        List<Outcome> mine = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          String key = "f/" + writer + "/" + i;
          try {
            mine.add(new Outcome(key, client.kv().put(PutRequest.newBuilder().setKey(b(key))
                .setValue(b("v" + i)).build()).join(), null));
          } catch (CompletionException e) {
            mine.add(new Outcome(key, null, cause(e)));
          }
          boolean afterKill = killed.get();
          client.kv().range(prefix("f/", i % 2 == 0)).join();
          if (afterKill) {
            readsAfterKill.merge(writer, 1, Integer::sum);
          }
        }
        return mine;
      }));
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (readBack(client, "f/").size() < 40 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    cluster.kill(victim);
    killed.set(true);
    for (Future<List<Outcome>> f : writers) {
      outcomes.addAll(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    Map<String, KeyValue> stored = readBack(client, "f/");
    assertThat(readsAfterKill.values().stream().mapToInt(Integer::intValue).sum())
        .as("reads that succeeded after the kill").isGreaterThan(0);
    assertThat(outcomes).hasSize(160);
    assertThat(stored.keySet()).isSubsetOf(outcomes.stream().map(Outcome::key).toList());
    for (Outcome o : outcomes) {
      KeyValue kv = stored.get(o.key());
      if (kv != null) {
        assertThat(kv.getVersion()).as("%s applied once", o.key()).isEqualTo(1);
      }
      if (o.error() == null) {
        assertThat(kv).as("%s acknowledged", o.key()).isNotNull();
        assertThat(kv.getModRevision()).isEqualTo(o.response().getHeader().getRevision());
      } else if (!(o.error() instanceof OutcomeUnknownException)) {
        assertThat(kv).as("%s refused with %s", o.key(), o.error()).isNull();
      }
    }
    assertThat(outcomes.stream().filter(o -> o.error() == null).count())
        .as("acknowledged writes").isGreaterThan(100);
  }

  @Test
  void aWatchResumesOnAnotherMemberWithoutGapOrDuplicateWhenItsMemberIsKilled()
      throws Exception {
    KvClient watching = cluster.client(TIMEOUT, false);
    WatchRecorder recorder = new WatchRecorder();
    watching.watch().watch(WatchCreateRequest.newBuilder().setKey(b("w/"))
        .setRangeEnd(b("w0")).build(), recorder);
    watching.kv().put(PutRequest.newBuilder().setKey(b("w/first")).build()).join();
    WatchResponse first = recorder.await(r -> !r.isEmpty(), WAIT).get(0);
    int victim = cluster.indexOf(first.getHeader().getMemberId());
    KvClient writing = cluster.client(TIMEOUT, false, cluster.others(victim));

    Future<?> writer = threads.submit(() -> {
      for (int i = 0; i < 60; i++) {
        try {
          writing.kv().put(PutRequest.newBuilder().setKey(b("w/" + i)).build()).join();
        } catch (CompletionException e) {
          assertThat(cause(e)).isInstanceOf(OutcomeUnknownException.class);
        }
      }
      return null;
    });
    recorder.await(r -> r.stream().mapToInt(WatchResponse::getEventsCount).sum() >= 15, WAIT);
    cluster.kill(victim);
    writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    List<KeyValue> stored = readBack(writing, "w/").values().stream()
        .sorted(Comparator.comparingLong(KeyValue::getModRevision)).toList();
    long last = stored.get(stored.size() - 1).getModRevision();
    List<WatchResponse> seen = recorder.await(r -> r.stream()
        .flatMap(x -> x.getEventsList().stream())
        .anyMatch(e -> e.getKv().getModRevision() == last), WAIT);
    List<Event> events = recorder.events();
    assertThat(events).allMatch(e -> e.getType() == Event.EventType.PUT);
    assertThat(events.stream().map(e -> e.getKv().getKey().toStringUtf8() + "@"
        + e.getKv().getModRevision()).toList())
        .as("every stored key once, in revision order")
        .containsExactlyElementsOf(stored.stream().map(kv -> kv.getKey().toStringUtf8() + "@"
            + kv.getModRevision()).toList());
    assertThat(seen.get(seen.size() - 1).getHeader().getMemberId())
        .as("served by another member at the end")
        .isNotEqualTo(first.getHeader().getMemberId());
    assertThat(recorder.ended).isNotDone();
  }

  @Test
  void aWatchWhoseResumePointWasCompactedReportsTheCompactRevision() throws Exception {
    KvClient client = cluster.client(TIMEOUT, false);
    WatchRecorder recorder = new WatchRecorder();
    WatchHandle handle = client.watch().watch(WatchCreateRequest.newBuilder().setKey(b("c/"))
        .setRangeEnd(b("c0")).build(), recorder);
    handle.requestProgress();
    WatchResponse progress = recorder.await(r -> !r.isEmpty(), WAIT).get(0);
    assertThat(progress.getEventsCount()).isZero();
    long resumeFrom = handle.nextRevision();
    long latest = 0;
    for (int i = 0; i < 5; i++) {
      latest = client.kv().put(PutRequest.newBuilder().setKey(b("other/" + i)).build())
          .join().getHeader().getRevision();
    }
    long compactTo = latest;
    client.kv().compact(CompactionRequest.newBuilder().setRevision(compactTo).build()).join();
    assertThat(resumeFrom).isLessThan(compactTo);

    cluster.kill(cluster.indexOf(progress.getHeader().getMemberId()));

    Throwable end = recorder.ended.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(end).isInstanceOfSatisfying(WatchCompactedException.class,
        e -> assertThat(e.compactRevision()).isEqualTo(compactTo));
    assertThat(recorder.events()).isEmpty();
  }

  @Test
  void aMemberWithoutALeaderRefusesDefinitelyWhatAsksForOne() throws Exception {
    int lone = 0;
    for (int other : cluster.others(lone)) {
      cluster.kill(other);
    }
    KvClient requiring = cluster.client(Duration.ofSeconds(3), true, lone);
    KvClient plain = cluster.client(Duration.ofSeconds(3), false, lone);

    long deadline = System.nanoTime() + WAIT.toNanos();
    Throwable refused;
    do {
      refused = cause(catchThrowable(
          () -> requiring.kv().range(prefix("x/", true)).join()));
    } while (!(refused instanceof EtcdException) && System.nanoTime() < deadline);
    Throwable put = cause(catchThrowable(
        () -> plain.kv().put(PutRequest.newBuilder().setKey(b("x/1")).build()).join()));

    assertThat(refused).isInstanceOfSatisfying(EtcdException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.description()).isEqualTo("etcdserver: no leader");
    });
    assertThat(put).as("not applied, so not of unknown outcome")
        .isInstanceOfSatisfying(EtcdException.class,
            e -> assertThat(e.description()).isEqualTo("etcdserver: no leader"));
    assertThat(plain.kv().range(prefix("x/", true)).join().getCount())
        .as("a serializable read without hasleader is served").isZero();
  }
}
