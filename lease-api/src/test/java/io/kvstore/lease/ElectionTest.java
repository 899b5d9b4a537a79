package io.kvstore.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Elections and locks over the in-memory store: etcd's concurrency-package semantics. */
class ElectionTest {
  private static final long WAIT_S = 10;

  private final MemoryCoordinationStore store = new MemoryCoordinationStore();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    store.close();
  }

  private Session session() throws Exception {
    return Session.open(store, SessionOptions.ofTtl(Duration.ofSeconds(30)), scheduler)
        .get(WAIT_S, TimeUnit.SECONDS);
  }

  @Test
  void candidatesLeadInCampaignOrderWithIncreasingFencingTokens() throws Exception {
    Election election = new Election(store, "sched");
    Session a = session();
    Session b = session();
    Session c = session();

    Leadership first = election.campaign(a, "a").get(WAIT_S, TimeUnit.SECONDS);
    CompletableFuture<Leadership> second = election.campaign(b, "b");
    CompletableFuture<Leadership> third = election.campaign(c, "c");
    assertThat(election.leader().get(WAIT_S, TimeUnit.SECONDS).orElseThrow().valueAsString())
        .isEqualTo("a");
    assertThat(second).isNotDone();

    election.resign(first).get(WAIT_S, TimeUnit.SECONDS);
    Leadership secondTerm = second.get(WAIT_S, TimeUnit.SECONDS);
    assertThat(third).isNotDone();
    b.closeAsync().get(WAIT_S, TimeUnit.SECONDS);
    Leadership thirdTerm = third.get(WAIT_S, TimeUnit.SECONDS);

    assertThat(List.of(first.fencingToken(), secondTerm.fencingToken(),
        thirdTerm.fencingToken())).isSorted().doesNotHaveDuplicates();
    assertThat(first.key()).isEqualTo("sched/" + Long.toHexString(a.leaseId()));
    assertThat(election.leader().get(WAIT_S, TimeUnit.SECONDS).orElseThrow().valueAsString())
        .isEqualTo("c");
  }

  @Test
  void eachWaiterWatchesOnlyItsPredecessor() throws Exception {
    Election election = new Election(store, "herd");
    List<Session> sessions = new ArrayList<>();
    List<CompletableFuture<Leadership>> campaigns = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Session s = session();
      sessions.add(s);
      campaigns.add(election.campaign(s, "c" + i));
      if (i == 0) {
        campaigns.get(0).get(WAIT_S, TimeUnit.SECONDS);
      }
    }
    awaitCondition(() -> store.awaitedKeys.size() == 4);

    List<String> expected = sessions.subList(0, 4).stream()
        .map(s -> "herd/" + Long.toHexString(s.leaseId())).toList();
    assertThat(store.awaitedKeys).containsExactlyInAnyOrderElementsOf(expected);

    election.resign(campaigns.get(0).get()).get(WAIT_S, TimeUnit.SECONDS);
    campaigns.get(1).get(WAIT_S, TimeUnit.SECONDS);
    assertThat(campaigns.subList(2, 5)).noneMatch(CompletableFuture::isDone);
  }

  @Test
  void aResignedTermCanNeitherProclaimNorWrite() throws Exception {
    Election election = new Election(store, "e");
    Session a = session();
    Leadership term = election.campaign(a, "a").get(WAIT_S, TimeUnit.SECONDS);
    election.proclaim(term, "a2").get(WAIT_S, TimeUnit.SECONDS);
    assertThat(election.leader().get().orElseThrow().valueAsString()).isEqualTo("a2");
    assertThat(term.guardedTxn(List.of(WriteOp.put("data", bytes("1"))))
        .get(WAIT_S, TimeUnit.SECONDS).succeeded()).isTrue();

    election.resign(term).get(WAIT_S, TimeUnit.SECONDS);

    assertThatThrownBy(() -> election.proclaim(term, "a3").get(WAIT_S, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NotLeaderException.class)
        .hasMessageContaining("election: not leader");
    assertThat(term.guardedTxn(List.of(WriteOp.put("data", bytes("2"))))
        .get(WAIT_S, TimeUnit.SECONDS).succeeded()).isFalse();
    assertThat(store.current("data").orElseThrow().valueAsString()).isEqualTo("1");
  }

  @Test
  void anExpiredLeaseEndsTheTermAndItsWritesAreRefused() throws Exception {
    Election election = new Election(store, "e");
    Session a = session();
    Session b = session();
    Leadership old = election.campaign(a, "a").get(WAIT_S, TimeUnit.SECONDS);
    CompletableFuture<Leadership> next = election.campaign(b, "b");

    store.expire(a.leaseId());

    Leadership newer = next.get(WAIT_S, TimeUnit.SECONDS);
    assertThat(newer.fencingToken()).isGreaterThan(old.fencingToken());
    assertThat(old.guardedTxn(List.of(WriteOp.put("data", bytes("old"))))
        .get(WAIT_S, TimeUnit.SECONDS).succeeded()).isFalse();
    assertThat(newer.guardedTxn(List.of(WriteOp.put("data", bytes("new"))))
        .get(WAIT_S, TimeUnit.SECONDS).succeeded()).isTrue();
    assertThat(store.current("data").orElseThrow().valueAsString()).isEqualTo("new");
  }

  @Test
  void campaigningAgainKeepsThePlaceAndReplacesTheValue() throws Exception {
    Election election = new Election(store, "e");
    Session a = session();
    Leadership first = election.campaign(a, "v1").get(WAIT_S, TimeUnit.SECONDS);
    Leadership again = election.campaign(a, "v2").get(WAIT_S, TimeUnit.SECONDS);

    assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
    assertThat(election.leader().get().orElseThrow().valueAsString()).isEqualTo("v2");
  }

  @Test
  void aCancelledCampaignLeavesTheQueue() throws Exception {
    Election election = new Election(store, "e");
    Session a = session();
    Session b = session();
    election.campaign(a, "a").get(WAIT_S, TimeUnit.SECONDS);
    CompletableFuture<Leadership> waiting = election.campaign(b, "b");
    String bKey = "e/" + Long.toHexString(b.leaseId());
    awaitCondition(() -> store.current(bKey).isPresent());

    waiting.cancel(false);

    awaitCondition(() -> store.current(bKey).isEmpty());
  }

  @Test
  void aLostSessionFailsItsCampaign() throws Exception {
    Election election = new Election(store, "e");
    Session a = session();
    election.campaign(a, "a").get(WAIT_S, TimeUnit.SECONDS);
    Session quick = Session.open(store, new SessionOptions(Duration.ofSeconds(3),
        Duration.ofMillis(100), Duration.ofSeconds(3)), scheduler).get(WAIT_S, TimeUnit.SECONDS);
    CompletableFuture<Leadership> waiting = election.campaign(quick, "b");

    store.expire(quick.leaseId());

    assertThatThrownBy(() -> waiting.get(WAIT_S, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SessionLostException.class);
  }

  @Test
  void observeReportsEachLeaderOnceInOrder() throws Exception {
    Election election = new Election(store, "obs");
    List<String> seen = new CopyOnWriteArrayList<>();
    Session a = session();
    Session b = session();
    Leadership ta = election.campaign(a, "a").get(WAIT_S, TimeUnit.SECONDS);
    CompletableFuture<Leadership> tb = election.campaign(b, "b");
    try (AutoCloseable o = election.observe(kv -> seen.add(kv.valueAsString()), e -> { })) {
      awaitCondition(() -> seen.equals(List.of("a")));
      election.proclaim(ta, "a2").get(WAIT_S, TimeUnit.SECONDS);
      awaitCondition(() -> seen.size() == 2);
      election.resign(ta).get(WAIT_S, TimeUnit.SECONDS);
      tb.get(WAIT_S, TimeUnit.SECONDS);
      awaitCondition(() -> seen.size() == 3);
    }
    assertThat(seen).containsExactly("a", "a2", "b");
  }

  @Test
  void aLockIsHeldByOneSessionAtATime() throws Exception {
    DistributedLock lock = new DistributedLock(store, "locks/db");
    Session a = session();
    Session b = session();
    Leadership held = lock.lock(a).get(WAIT_S, TimeUnit.SECONDS);
    CompletableFuture<Leadership> next = lock.lock(b);
    assertThat(next).isNotDone();

    lock.unlock(held).get(WAIT_S, TimeUnit.SECONDS);

    assertThat(next.get(WAIT_S, TimeUnit.SECONDS).fencingToken())
        .isGreaterThan(held.fencingToken());
  }

  @Test
  void aNameEndingInASlashGetsOneMoreAsEtcdsRecipesDo() throws Exception {
    Session a = session();
    Leadership held = new DistributedLock(store, "jobs/").lock(a).get(WAIT_S, TimeUnit.SECONDS);

    assertThat(held.key()).isEqualTo("jobs//" + Long.toHexString(a.leaseId()));
    assertThat(new Election(store, "jobs/").leader().get(WAIT_S, TimeUnit.SECONDS)
        .orElseThrow().key()).isEqualTo(held.key());
    assertThat(new Election(store, "jobs//").leader().get(WAIT_S, TimeUnit.SECONDS)).isEmpty();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Polls {@code condition} for up to ten seconds; fails if it never holds. */
  static void awaitCondition(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + WAIT_S + " s");
      }
      Thread.sleep(10);
    }
  }
}
