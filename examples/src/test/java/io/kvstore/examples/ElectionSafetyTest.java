package io.kvstore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.client.KvClient;
import io.kvstore.client.ProcessCluster;
import io.kvstore.client.WatchHandle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link ActivePassiveScheduler} replicas, each a process of its own reaching a real
 * three-member cluster through its own proxies, with the leading replica killed, paused longer
 * than its lease, or cut off from the cluster. In every case: the fencing tokens of successive
 * terms strictly increase; no two replicas believe they lead at the same instant (all run on one
 * machine, so the clock-drift bound is zero); every write a replica saw acknowledged is in the
 * store; and no write of a term lands after the term ended in the store (its revision is below
 * the revision that deleted the term's leader key). The time from the fault to the standby's start is appended to {@code
 * target/election-failover.txt}.
 */
@Timeout(240)
class ElectionSafetyTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Path FAILOVER_REPORT = Path.of("target", "election-failover.txt");

  @TempDir Path tmp;
  private ProcessCluster cluster;
  private final List<ReplicaProcess> replicas = new ArrayList<>();
  private final Map<String, List<BlackholeProxy>> proxies = new HashMap<>();
  /** Per replica, the instant it stopped acting (killed, or paused) during the test. */
  private final Map<String, Long> silencedAt = new HashMap<>();

  @BeforeEach
  void start() {
    cluster = new ProcessCluster(tmp);
    for (int r = 1; r <= 3; r++) {
      String id = "replica-" + r;
      List<BlackholeProxy> mine = new ArrayList<>();
      for (int m = 0; m < cluster.size(); m++) {
        String[] hostPort = cluster.endpoint(m).split(":");
        mine.add(new BlackholeProxy(new InetSocketAddress(hostPort[0],
            Integer.parseInt(hostPort[1]))));
      }
      proxies.put(id, mine);
      replicas.add(new ReplicaProcess(id, mine.stream().map(BlackholeProxy::endpoint).toList(),
          tmp.resolve(id + ".log")));
    }
  }

  @AfterEach
  void stop() {
    replicas.forEach(ReplicaProcess::close);
    proxies.values().forEach(ps -> ps.forEach(BlackholeProxy::close));
    cluster.close();
  }

  @Test
  void aKilledLeaderIsReplacedWithAHigherTokenAndNoOverlap() throws Exception {
    ReplicaProcess leader = awaitLeaderWithWrites(null, 5);
    long faultAt = System.currentTimeMillis();
    silencedAt.put(leader.identity, faultAt);
    leader.kill();

    ReplicaProcess next = awaitNewLeader(leader);
    recordFailover("kill -9", faultAt, next);
    awaitLeaderWithWrites(leader, 3);
    assertSafe();
  }

  @Test
  void aLeaderPausedLongerThanItsLeaseWakesUpDeposedAndCannotWrite() throws Exception {
    ReplicaProcess leader = awaitLeaderWithWrites(null, 5);
    long faultAt = System.currentTimeMillis();
    silencedAt.put(leader.identity, faultAt);
    leader.pause();

    ReplicaProcess next = awaitNewLeader(leader);
    recordFailover("SIGSTOP", faultAt, next);
    awaitLeaderWithWrites(leader, 3);
    leader.resume();
    awaitCondition("the resumed ex-leader stops leading", () -> !leader.leadsNow());
    awaitMoreDecisions(3);
    assertSafe();
  }

  @Test
  void aLeaderCutOffFromTheClusterStopsBeforeTheStandbyStarts() throws Exception {
    ReplicaProcess leader = awaitLeaderWithWrites(null, 5);
    long faultAt = System.currentTimeMillis();
    proxies.get(leader.identity).forEach(p -> p.partition(true));

    awaitCondition("the cut-off leader stops leading", () -> !leader.leadsNow());
    ReplicaProcess next = awaitNewLeader(leader);
    recordFailover("partition", faultAt, next);
    awaitLeaderWithWrites(leader, 3);
    proxies.get(leader.identity).forEach(p -> p.partition(false));
    awaitMoreDecisions(3);
    assertSafe();
  }

  // ---- waiting ---------------------------------------------------------------------------------

  /**
   * Waits until a replica other than {@code except} leads and has made {@code count}
   * acknowledged decisions in its current term. On a loaded machine a leader may lose its term
   * (its renewals were not confirmed in time) and another take over: whoever leads counts.
   */
  private ReplicaProcess awaitLeaderWithWrites(ReplicaProcess except, int count)
      throws InterruptedException {
    awaitCondition("a replica leads and makes " + count + " acknowledged decisions",
        () -> leaderWithWrites(except, count) != null);
    return leaderWithWrites(except, count);
  }

  private ReplicaProcess leaderWithWrites(ReplicaProcess except, int count) {
    return replicas.stream().filter(r -> r != except && r.leadsNow()
        && okWrites(r, currentToken(r)) >= count).findFirst().orElse(null);
  }

  private ReplicaProcess awaitNewLeader(ReplicaProcess old) throws InterruptedException {
    awaitCondition("another replica leads",
        () -> replicas.stream().anyMatch(r -> r != old && r.leadsNow()));
    return replicas.stream().filter(r -> r != old && r.leadsNow()).findFirst().orElseThrow();
  }

  /** Waits until the replicas together make {@code count} more acknowledged decisions. */
  private void awaitMoreDecisions(int count) throws InterruptedException {
    long before = allOkWrites();
    awaitCondition(count + " more acknowledged decisions", () -> allOkWrites() >= before + count);
  }

  private long allOkWrites() {
    return replicas.stream().mapToLong(r -> r.events().stream()
        .filter(e -> e.kind().equals("WRITE") && e.args().get(2).equals("ok")).count()).sum();
  }

  private static long okWrites(ReplicaProcess replica, String token) {
    return replica.events().stream().filter(e -> e.kind().equals("WRITE")
        && e.args().get(2).equals("ok") && e.args().get(0).equals(token)).count();
  }

  private static String currentToken(ReplicaProcess replica) {
    List<ReplicaProcess.Event> es = replica.events();
    for (int i = es.size() - 1; i >= 0; i--) {
      if (es.get(i).kind().equals("STARTED")) {
        return es.get(i).args().get(0);
      }
    }
    return "";
  }

  private void awaitCondition(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT + ": " + what + "; last events: "
            + lastEvents());
      }
      Thread.sleep(20);
    }
  }

  /** Each replica's last few events, to tell what it was doing when a wait failed. */
  private String lastEvents() {
    StringBuilder sb = new StringBuilder();
    for (ReplicaProcess r : replicas) {
      List<ReplicaProcess.Event> es = r.events();
      sb.append('\n').append(r.identity).append(": ")
          .append(es.subList(Math.max(0, es.size() - 6), es.size()));
    }
    return sb.toString();
  }


  private void recordFailover(String fault, long faultAt, ReplicaProcess next) throws IOException {
    long startedAt = next.events().stream().filter(e -> e.kind().equals("STARTED"))
        .mapToLong(ReplicaProcess.Event::atMillis).max().orElseThrow();
    Files.createDirectories(FAILOVER_REPORT.getParent());
    Files.writeString(FAILOVER_REPORT, fault + " " + (startedAt - faultAt) + " ms\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  // ---- the checks ------------------------------------------------------------------------------

  /** A replica's term as it saw it: from its start to its stop, kill or pause. */
  private record Term(String replica, long token, long from, long to) {}

  private void assertSafe() throws InterruptedException {
    // Events first, the store after: every acknowledgement seen here precedes the reads below.
    Map<String, List<ReplicaProcess.Event>> events = new HashMap<>();
    replicas.forEach(r -> events.put(r.identity, r.events()));
    long seenAt = System.currentTimeMillis();
    List<Term> terms = terms(events, seenAt);
    assertThat(terms).as("terms").hasSizeGreaterThanOrEqualTo(2);
    List<Long> tokensInTimeOrder = terms.stream().sorted(Comparator.comparingLong(Term::from))
        .map(Term::token).toList();
    assertThat(tokensInTimeOrder).as("fencing tokens in the order terms began")
        .isSorted().doesNotHaveDuplicates();
    for (int i = 0; i + 1 < terms.size(); i++) {
      Term a = terms.get(i);
      Term b = terms.get(i + 1);
      assertThat(a.to()).as("%s's term %d ends before %s's term %d begins", a.replica(),
          a.token(), b.replica(), b.token()).isLessThanOrEqualTo(b.from());
    }

    Map<Long, List<KeyValue>> decisions = decisionsByToken();
    assertThat(decisions.keySet()).as("every decision comes from a known term")
        .isSubsetOf(terms.stream().map(Term::token).collect(Collectors.toSet()));
    Map<Long, Long> endedAt = leaderKeyDeletions();
    endedAt.forEach((token, deleted) -> assertThat(decisions.getOrDefault(token, List.of()))
        .as("decisions of term %d land before its key was deleted at %d", token, deleted)
        .allMatch(kv -> kv.getModRevision() < deleted));
    assertThat(endedAt).as("every term but the last one ended in the store")
        .containsKeys(tokensInTimeOrder.subList(0, tokensInTimeOrder.size() - 1)
            .toArray(Long[]::new));
    for (List<ReplicaProcess.Event> replicaEvents : events.values()) {
      for (ReplicaProcess.Event e : replicaEvents) {
        if (e.kind().equals("WRITE") && e.args().get(2).equals("ok")) {
          String key = "scheduler-decisions/" + e.args().get(0) + "/" + e.args().get(1);
          assertThat(decisions.getOrDefault(Long.parseLong(e.args().get(0)), List.of()))
              .as("acknowledged decision %s is stored", key)
              .anyMatch(kv -> kv.getKey().toStringUtf8().equals(key));
        }
      }
    }
  }

  /** Every term any replica began, ordered by start, each cut at its stop, kill or pause. */
  private List<Term> terms(Map<String, List<ReplicaProcess.Event>> events, long seenAt) {
    List<Term> terms = new ArrayList<>();
    for (ReplicaProcess r : replicas) {
      long silenced = silencedAt.getOrDefault(r.identity, Long.MAX_VALUE);
      ReplicaProcess.Event started = null;
      for (ReplicaProcess.Event e : events.get(r.identity)) {
        if (e.kind().equals("STARTED")) {
          started = e;
        } else if (e.kind().equals("STOPPED") && started != null) {
          terms.add(new Term(r.identity, Long.parseLong(started.args().get(0)),
              started.atMillis(), Math.min(e.atMillis(), Math.max(silenced,
                  started.atMillis()))));
          started = null;
        }
      }
      if (started != null) {
        terms.add(new Term(r.identity, Long.parseLong(started.args().get(0)),
            started.atMillis(), Math.max(started.atMillis(), Math.min(silenced, seenAt))));
      }
    }
    terms.sort(Comparator.comparingLong(Term::from));
    return terms;
  }

  /**
   * For each leader key of the election ever deleted, its create revision (the term's token) and
   * the revision that deleted it (where the term ended in the store), read from the history.
   */
  private Map<Long, Long> leaderKeyDeletions() throws InterruptedException {
    KvClient client = cluster.client(Duration.ofSeconds(10), false);
    ByteString from = ByteString.copyFromUtf8("scheduler/");
    ByteString to = ByteString.copyFromUtf8("scheduler0");
    long head = client.kv().range(RangeRequest.newBuilder().setKey(from).setRangeEnd(to)
        .setCountOnly(true).build()).join().getHeader().getRevision();
    Map<Long, Long> deletedAt = new ConcurrentHashMap<>();
    CountDownLatch caughtUp = new CountDownLatch(1);
    WatchHandle watch = client.watch().watch(WatchCreateRequest.newBuilder().setKey(from)
        .setRangeEnd(to).setStartRevision(1).setPrevKv(true).build(), new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse response) {
            for (Event e : response.getEventsList()) {
              if (e.getType() == Event.EventType.DELETE) {
                deletedAt.put(e.getPrevKv().getCreateRevision(), e.getKv().getModRevision());
              }
            }
            if (response.getEventsCount() == 0 && response.getHeader().getRevision() >= head) {
              caughtUp.countDown();
            }
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        });
    try {
      while (!caughtUp.await(200, TimeUnit.MILLISECONDS)) {
        watch.requestProgress();
      }
    } finally {
      watch.cancel();
    }
    return deletedAt;
  }

  private Map<Long, List<KeyValue>> decisionsByToken() {
    KvClient client = cluster.client(Duration.ofSeconds(10), false);
    String prefix = "scheduler-decisions/";
    List<KeyValue> all = client.kv().range(RangeRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(prefix))
        .setRangeEnd(ByteString.copyFromUtf8("scheduler-decisions0")).build()).join()
        .getKvsList();
    Map<Long, List<KeyValue>> byToken = new HashMap<>();
    for (KeyValue kv : all) {
      long token = Long.parseLong(kv.getKey().toStringUtf8().substring(prefix.length())
          .split("/")[0]);
      byToken.computeIfAbsent(token, t -> new ArrayList<>()).add(kv);
    }
    return byToken;
  }
}
