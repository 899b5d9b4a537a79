package io.kvstore.lease;

import static io.kvstore.lease.ElectionTest.awaitCondition;
import static io.kvstore.lease.ElectionTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two replicas over the in-memory store: failover, silence of the leader, fencing. */
class LeaderElectorTest {
  private final MemoryCoordinationStore store = new MemoryCoordinationStore();

  /** Records callbacks as "started <token>", "stopped", "leader <identity>". */
  private static final class Recorder implements LeaderCallbacks {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final List<LeaderContext> terms = new CopyOnWriteArrayList<>();

    @Override
    public void onStartedLeading(LeaderContext context) {
      terms.add(context);
      events.add("started " + context.fencingToken());
    }

    @Override
    public void onStoppedLeading() {
      events.add("stopped");
    }

    @Override
    public void onNewLeader(String identity) {
      events.add("leader " + identity);
    }

    String next(String prefix) throws InterruptedException {
      while (true) {
        String e = events.poll(20, TimeUnit.SECONDS);
        if (e == null) {
          throw new AssertionError("no '" + prefix + "' event within 20 s");
        }
        if (e.startsWith(prefix)) {
          return e;
        }
      }
    }
  }

  private LeaderElectorConfig config(String identity) {
    return LeaderElectorConfig.of("sched", identity).withTiming(Duration.ofSeconds(3),
        Duration.ofSeconds(2), Duration.ofMillis(200));
  }

  @AfterEach
  void stop() {
    store.close();
  }

  @Test
  void aStandbyTakesOverWhenTheLeaderCloses() throws Exception {
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    try (LeaderElector a = new LeaderElector(store, config("a"), ra).start()) {
      ra.next("started");
      try (LeaderElector b = new LeaderElector(store, config("b"), rb).start()) {
        assertThat(rb.next("leader")).isEqualTo("leader a");
        assertThat(b.isLeading()).isFalse();

        a.close();

        assertThat(ra.next("stopped")).isEqualTo("stopped");
        rb.next("started");
        assertThat(b.isLeading()).isTrue();
        assertThat(rb.terms.get(0).fencingToken())
            .isGreaterThan(ra.terms.get(0).fencingToken());
      }
    }
  }

  @Test
  void aSilencedLeaderStopsBeforeItsLeaseCanExpireAndItsWritesAreRefusedAfter()
      throws Exception {
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    try (LeaderElector a = new LeaderElector(store, config("a"), ra).start()) {
      ra.next("started");
      LeaderElector b = new LeaderElector(store, config("b"), rb).start();
      assertThat(rb.next("leader")).isEqualTo("leader a");
      LeaderContext aTerm = ra.terms.get(0);
      long aLease = aTerm.term().session().leaseId();
      assertThat(aTerm.guardedTxn(List.of(WriteOp.put("state", bytes("from a"))))
          .get(10, TimeUnit.SECONDS).succeeded()).isTrue();

      store.silence(aLease);
      ra.next("stopped");

      assertThat(aTerm.isLeading()).isFalse();
      assertThat(store.leaseExists(aLease)).as("stopped before the store could expire").isTrue();
      assertThat(rb.terms).isEmpty();

      store.expire(aLease);
      rb.next("started");
      LeaderContext bTerm = rb.terms.get(0);
      assertThat(bTerm.fencingToken()).isGreaterThan(aTerm.fencingToken());
      assertThat(aTerm.guardedTxn(List.of(WriteOp.put("state", bytes("late a"))))
          .get(10, TimeUnit.SECONDS).succeeded()).isFalse();
      assertThat(bTerm.guardedTxn(List.of(WriteOp.put("state", bytes("from b"))))
          .get(10, TimeUnit.SECONDS).succeeded()).isTrue();
      assertThat(store.current("state").orElseThrow().valueAsString()).isEqualTo("from b");
      b.close();
    }
  }

  @Test
  void aLeaderThatLostItsTermCampaignsAgain() throws Exception {
    Recorder ra = new Recorder();
    try (LeaderElector a = new LeaderElector(store, config("a"), ra).start()) {
      String first = ra.next("started");
      store.expire(ra.terms.get(0).term().session().leaseId());
      ra.next("stopped");
      String second = ra.next("started");
      assertThat(Long.parseLong(second.split(" ")[1]))
          .isGreaterThan(Long.parseLong(first.split(" ")[1]));
      awaitCondition(a::isLeading);
    }
  }

  @Test
  void configNamesTheWrongField() {
    assertThatThrownBy(() -> config("a").withTiming(Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofMillis(100)).validate()).hasMessageStartingWith("renewDeadline:");
    assertThatThrownBy(() -> config("a").withTiming(Duration.ofSeconds(3), Duration.ofSeconds(2),
        Duration.ofSeconds(2)).validate()).hasMessageStartingWith("retryPeriod:");
    assertThatThrownBy(() -> LeaderElectorConfig.of("", "a").validate())
        .hasMessageStartingWith("election:");
  }
}
