package io.kvstore.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sessions over the in-memory store: renewal, and the two ways of losing the lease. */
class SessionTest {
  private final MemoryCoordinationStore store = new MemoryCoordinationStore();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final SessionOptions quick = new SessionOptions(Duration.ofSeconds(2),
      Duration.ofMillis(100), Duration.ofSeconds(1));

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    store.close();
  }

  @Test
  void aRenewedSessionStaysValid() throws Exception {
    Session s = Session.open(store, quick, scheduler).get(10, TimeUnit.SECONDS);
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
    while (System.nanoTime() < until) {
      assertThat(s.isValid()).isTrue();
      Thread.sleep(50);
    }
    assertThat(s.lost().toCompletableFuture()).isNotDone();
  }

  @Test
  void aLeaseGoneOnTheStoreEndsTheSession() throws Exception {
    Session s = Session.open(store, quick, scheduler).get(10, TimeUnit.SECONDS);

    store.expire(s.leaseId());

    SessionLoss loss = s.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(loss.reason()).isEqualTo(SessionLoss.Reason.LEASE_GONE);
    assertThat(s.isValid()).isFalse();
    assertThatThrownBy(s::checkValid).isInstanceOf(SessionLostException.class);
  }

  @Test
  void unansweredRenewalsEndTheSessionAfterConfirmWithinWhileTheLeaseStillLives()
      throws Exception {
    Session s = Session.open(store, quick, scheduler).get(10, TimeUnit.SECONDS);
    long silencedAt = System.nanoTime();
    store.silence(s.leaseId());

    SessionLoss loss = s.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
    long after = System.nanoTime() - silencedAt;

    assertThat(loss.reason()).isEqualTo(SessionLoss.Reason.UNCONFIRMED);
    // Lost about confirmWithin (1 s) after the last confirmed renewal, which was sent at most one
    // interval before the silence: well before the store could expire the lease (ttl, 2 s).
    assertThat(after).isGreaterThanOrEqualTo(quick.confirmWithin().dividedBy(2).toNanos())
        .isLessThan(quick.ttl().minus(quick.keepAliveInterval()).toNanos());
    assertThat(store.leaseExists(s.leaseId())).isTrue();
  }

  @Test
  void closingRevokesTheLeaseAndItsKeys() throws Exception {
    Session s = Session.open(store, quick, scheduler).get(10, TimeUnit.SECONDS);
    store.createIfAbsent("k", new byte[0], s.leaseId()).get(10, TimeUnit.SECONDS);

    s.closeAsync().get(10, TimeUnit.SECONDS);

    assertThat(s.lost().toCompletableFuture().get().reason())
        .isEqualTo(SessionLoss.Reason.CLOSED);
    assertThat(store.current("k")).isEmpty();
  }

  @Test
  void optionsNameTheWrongField() {
    assertThatThrownBy(() -> new SessionOptions(Duration.ofMillis(500), Duration.ofMillis(100),
        Duration.ofMillis(400)).validate()).hasMessageStartingWith("ttl:");
    assertThatThrownBy(() -> new SessionOptions(Duration.ofSeconds(2), Duration.ofMillis(100),
        Duration.ofSeconds(3)).validate()).hasMessageStartingWith("confirmWithin:");
    assertThatThrownBy(() -> new SessionOptions(Duration.ofSeconds(2), Duration.ofSeconds(1),
        Duration.ofSeconds(1)).validate()).hasMessageStartingWith("keepAliveInterval:");
  }
}
