package io.kvstore.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.api.etcdserverpb.LeaseCheckpoint;
import io.kvstore.api.etcdserverpb.LeaseGrantResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeResponse;
import io.kvstore.api.etcdserverpb.PutResponse;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.mvcc.EtcdException;
import io.kvstore.server.mvcc.LeaseNotFoundException;
import io.kvstore.server.mvcc.StatusCode;
import io.kvstore.server.pb.LeaseExpire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lessor as committed entries drive it, on a fake clock: grants, revocations deleting their
 * keys at one revision, attachment from events, expiry decided only by a promoted lessor,
 * checkpoints surviving promotion and restart, renewals from memory and through Raft.
 */
class LessorTest {
  @TempDir Path tmp;
  private LeaseFixture m;

  @BeforeEach
  void open() {
    m = new LeaseFixture(tmp.resolve("db"));
  }

  @AfterEach
  void close() {
    m.close();
  }

  @Test
  void grantRaisesTheTtlToTheMinimumAndRefusesTakenIdsAndHugeTtls() {
    LeaseGrantResponse granted = (LeaseGrantResponse) m.grant(7, 1);

    assertThat(granted.getID()).isEqualTo(7);
    assertThat(granted.getTTL()).isEqualTo(2);
    assertThatThrownBy(() -> m.grant(7, 60)).isInstanceOf(LeaseExistsException.class)
        .hasMessage("etcdserver: lease already exists")
        .satisfies(e -> assertThat(((EtcdException) e).code())
            .isEqualTo(StatusCode.FAILED_PRECONDITION));
    assertThatThrownBy(() -> m.grant(8, Lessor.MAX_LEASE_TTL + 1))
        .isInstanceOf(LeaseTtlTooLargeException.class)
        .hasMessage("etcdserver: too large lease TTL");
    assertThat(((LeaseGrantResponse) m.grant(8, Lessor.MAX_LEASE_TTL)).getTTL())
        .isEqualTo(Lessor.MAX_LEASE_TTL);
    assertThat(m.lessor.leases()).containsExactlyInAnyOrder(7L, 8L);
  }

  @Test
  void aPutNamingAnUnknownLeaseIsRefusedAndARevokeOfOneToo() {
    assertThatThrownBy(() -> m.put("k", 99)).isInstanceOf(LeaseNotFoundException.class)
        .hasMessage("etcdserver: requested lease not found");
    assertThatThrownBy(() -> m.revoke(99)).isInstanceOf(LeaseNotFoundException.class);
    assertThat(m.all()).isEmpty();
  }

  @Test
  void aRevocationDeletesEveryAttachedKeyAtOneRevision() {
    m.grant(1, 60);
    m.grant(2, 60);
    m.put("a", 1);
    m.put("b", 1);
    m.put("c", 2);
    m.put("d", 1);
    long before = m.store.currentRevision();

    LeaseRevokeResponse revoked = (LeaseRevokeResponse) m.revoke(1);

    assertThat(revoked.getHeader().getRevision()).isEqualTo(before + 1);
    assertThat(m.store.currentRevision()).isEqualTo(before + 1);
    assertThat(m.all()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("c");
    assertThat(m.store.rangeEvents(com.google.protobuf.ByteString.copyFromUtf8("a"),
        com.google.protobuf.ByteString.copyFromUtf8("z"), before + 1, before + 1, false))
        .extracting(e -> e.getKv().getKey().toStringUtf8()).containsExactly("a", "b", "d");
    assertThat(m.lessor.exists(1)).isFalse();
  }

  @Test
  void overwritingOrDeletingAKeyDetachesItFromItsLease() {
    m.grant(1, 60);
    m.grant(2, 60);
    m.put("moved", 1);
    m.put("unleased", 1);
    m.put("deleted", 1);
    m.put("kept", 1);

    m.put("moved", 2);
    m.put("unleased", 0);
    m.delete("deleted");

    assertThat(m.keysOf(1)).containsExactly("kept");
    assertThat(m.keysOf(2)).containsExactly("moved");
    m.revoke(1);
    assertThat(m.all()).extracting(kv -> kv.getKey().toStringUtf8())
        .containsExactly("moved", "unleased");
  }

  @Test
  void aLessorThatIsNotPrimaryNeverExpiresALease() {
    m.grant(1, 10);

    m.clock.advance(Duration.ofHours(1));

    assertThat(m.lessor.dueWork().expired()).isEmpty();
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isZero();
    assertThat(m.lessor.renewHere(1)).isEqualTo(Lessor.RENEW_THROUGH_RAFT);
  }

  @Test
  void thePrimaryExpiresALeaseAfterExtensionPlusTtlAndRetriesOnlyAfterTheRetryInterval() {
    m.grant(1, 10);
    m.lessor.promote();

    m.clock.advance(Duration.ofMillis(10_999));
    assertThat(m.lessor.dueWork().expired()).isEmpty();
    m.clock.advance(Duration.ofMillis(1));
    assertThat(m.lessor.dueWork().expired()).extracting(LeaseExpire::getId).containsExactly(1L);
    m.clock.advance(Duration.ofMillis(2_999));
    assertThat(m.lessor.dueWork().expired()).isEmpty();
    m.clock.advance(Duration.ofMillis(1));
    assertThat(m.lessor.dueWork().expired()).extracting(LeaseExpire::getId).containsExactly(1L);
  }

  @Test
  void anAppliedExpiryRevokesTheLeaseAndItsKeys() {
    m.grant(1, 10);
    m.put("k", 1);
    m.lessor.promote();
    m.clock.advance(Duration.ofSeconds(11));

    m.expire(m.lessor.dueWork().expired().get(0));

    assertThat(m.lessor.exists(1)).isFalse();
    assertThat(m.all()).isEmpty();
  }

  @Test
  void anExpiryDecidedBeforeARaftRenewalIsNotCarriedOut() {
    m.grant(1, 10);
    m.put("k", 1);
    m.lessor.promote();
    m.clock.advance(Duration.ofSeconds(11));
    LeaseExpire decided = m.lessor.dueWork().expired().get(0);

    assertThat(m.renew(1)).isEqualTo(10L);
    m.expire(decided);

    assertThat(m.lessor.exists(1)).isTrue();
    assertThat(m.all()).hasSize(1);
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(10);
    assertThat(m.lessor.dueWork().expired()).isEmpty();
  }

  @Test
  void aDemotedLessorStopsExpiring() {
    m.grant(1, 10);
    m.lessor.promote();
    m.clock.advance(Duration.ofSeconds(5));

    m.lessor.demote();
    m.clock.advance(Duration.ofSeconds(60));

    assertThat(m.lessor.isPrimary()).isFalse();
    assertThat(m.lessor.dueWork().expired()).isEmpty();
  }

  @Test
  void promotionCountsFromTheCheckpointedRemainingTtl() {
    m.grant(1, 600);
    m.lessor.promote();
    m.clock.advance(Duration.ofSeconds(61));

    List<LeaseCheckpoint> due = m.lessor.dueWork().checkpoints();
    assertThat(due).singleElement().satisfies(c -> {
      assertThat(c.getID()).isEqualTo(1);
      assertThat(c.getRemainingTTL()).isEqualTo(540);
    });
    m.checkpoint(due);
    m.lessor.demote();
    m.clock.advance(Duration.ofSeconds(30));
    m.lessor.promote();

    // 540 checkpointed + 1 extension, not 600 + 1: leader changes cannot keep it alive forever.
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(541);
    m.clock.advance(Duration.ofSeconds(541));
    assertThat(m.lessor.dueWork().expired()).extracting(LeaseExpire::getId).containsExactly(1L);
  }

  @Test
  void aShortLeaseIsNeverCheckpointed() {
    m.grant(1, 60);
    m.lessor.promote();
    m.clock.advance(Duration.ofSeconds(59));

    assertThat(m.lessor.dueWork().checkpoints()).isEmpty();
  }

  @Test
  void thePrimaryRenewsFromMemoryUnlessACheckpointMustBeClearedThroughRaft() {
    m.grant(1, 60);
    m.lessor.promote();
    m.clock.advance(Duration.ofSeconds(30));

    assertThat(m.lessor.renewHere(1)).isEqualTo(60);
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(60);
    assertThat(m.lessor.renewHere(42)).isZero();

    m.checkpoint(List.of(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(20).build()));
    assertThat(m.lessor.renewHere(1)).isEqualTo(Lessor.RENEW_THROUGH_RAFT);
    assertThat(m.renew(1)).isEqualTo(60L);
    assertThat(m.lessor.renewHere(1)).isEqualTo(60);
    assertThat(m.renew(42)).isEqualTo(0L);
  }

  @Test
  void aFollowerEstimatesTheRemainingTtlFromWhatItApplied() {
    m.grant(1, 100);
    m.clock.advance(Duration.ofSeconds(30));
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(70);

    m.renew(1);
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(100);
    m.checkpoint(List.of(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(40).build()));
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(40);
  }

  @Test
  void aRestartRecoversLeasesCheckpointsRenewalsAndAttachedKeys() {
    m.grant(1, 600);
    m.grant(2, 60);
    m.put("a", 1);
    m.put("b", 2);
    m.renew(2);
    m.checkpoint(List.of(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(300).build()));
    long renewedAt = m.nextIndex() - 2;

    m.restart();

    assertThat(m.lessor.leases()).containsExactlyInAnyOrder(1L, 2L);
    assertThat(m.keysOf(1)).containsExactly("a");
    assertThat(m.keysOf(2)).containsExactly("b");
    assertThat(m.lessor.expiryHolds(2, renewedAt - 1)).isFalse();
    assertThat(m.lessor.expiryHolds(2, renewedAt)).isTrue();
    m.lessor.promote();
    // The checkpointed 300 s plus the 1 s promotion extension.
    assertThat(m.lessor.timeToLive(1, false).orElseThrow().remainingSeconds()).isEqualTo(301);
    PutResponse put = (PutResponse) m.put("c", 1);
    assertThat(put.getHeader().getRevision()).isPositive();
    m.revoke(1);
    assertThat(m.all()).extracting(KeyValue::getKey)
        .extracting(com.google.protobuf.ByteString::toStringUtf8).containsExactly("b");
  }
}
