package io.kvstore.raft.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final int MAX_INFLIGHT = 3;

  @Test
  void probeSendsOneAppendAndWaitsForTheAnswer() {
    Progress pr = new Progress(0, 6, MAX_INFLIGHT, false);
    assertThat(pr.state()).isEqualTo(ProgressState.PROBE);
    assertThat(pr.isPaused()).isFalse();

    pr.sentEntries(1, 8);
    assertThat(pr.isPaused()).isTrue();
    assertThat(pr.next()).isEqualTo(6);

    assertThat(pr.maybeUpdate(8)).isTrue();
    assertThat(pr.isPaused()).isFalse();
    assertThat(pr.match()).isEqualTo(8);
    assertThat(pr.next()).isEqualTo(9);
  }

  @Test
  void heartbeatResponseUnpausesAProbe() {
    Progress pr = new Progress(0, 6, MAX_INFLIGHT, false);
    pr.sentEntries(1, 8);

    pr.onHeartbeatResponse();

    assertThat(pr.isPaused()).isFalse();
  }

  @Test
  void maybeUpdateIgnoresStaleAcksButNeverMovesNextBack() {
    Progress pr = new Progress(5, 10, MAX_INFLIGHT, false);

    assertThat(pr.maybeUpdate(4)).isFalse();
    assertThat(pr.match()).isEqualTo(5);
    assertThat(pr.next()).isEqualTo(10);
    assertThat(pr.maybeUpdate(7)).isTrue();
    assertThat(pr.next()).isEqualTo(10);
    assertThat(pr.maybeUpdate(12)).isTrue();
    assertThat(pr.next()).isEqualTo(13);
  }

  @Test
  void replicateSendsOptimisticallyUntilTheWindowIsFull() {
    Progress pr = new Progress(5, 6, MAX_INFLIGHT, false);
    pr.becomeReplicate();
    assertThat(pr.next()).isEqualTo(6);

    pr.sentEntries(1, 7);
    pr.sentEntries(1, 9);
    assertThat(pr.next()).isEqualTo(10);
    assertThat(pr.isPaused()).isFalse();
    pr.sentEntries(1, 10);

    assertThat(pr.isPaused()).isTrue();
    assertThat(pr.inflights().count()).isEqualTo(3);
  }

  @Test
  void replicateDropsBackToMatchOnNewRejectionAndIgnoresStaleOnes() {
    Progress pr = new Progress(5, 6, MAX_INFLIGHT, false);
    pr.becomeReplicate();
    pr.sentEntries(1, 9);

    assertThat(pr.maybeDecrTo(5, 0)).isFalse();
    assertThat(pr.next()).isEqualTo(10);
    assertThat(pr.maybeDecrTo(7, 3)).isTrue();
    assertThat(pr.next()).isEqualTo(6);
  }

  @Test
  void probeMovesNextToTheHintOnRejectionOfTheLatestProbe() {
    Progress pr = new Progress(0, 10, MAX_INFLIGHT, false);
    pr.sentEntries(1, 12);

    assertThat(pr.maybeDecrTo(8, 3)).isFalse();
    assertThat(pr.maybeDecrTo(9, 3)).isTrue();
    assertThat(pr.next()).isEqualTo(4);
    assertThat(pr.isPaused()).isFalse();
    assertThat(pr.maybeDecrTo(3, 7)).isTrue();
    assertThat(pr.next()).isEqualTo(3);
    pr.maybeDecrTo(2, 0);
    assertThat(pr.next()).isEqualTo(1);
  }

  @Test
  void snapshotPausesUntilReportedThenProbesFromAfterIt() {
    Progress pr = new Progress(3, 4, MAX_INFLIGHT, false);
    pr.becomeSnapshot(20);
    assertThat(pr.isPaused()).isTrue();
    assertThat(pr.pendingSnapshot()).isEqualTo(20);

    pr.snapshotDelivered();

    assertThat(pr.state()).isEqualTo(ProgressState.PROBE);
    assertThat(pr.next()).isEqualTo(21);
    assertThat(pr.pendingSnapshot()).isZero();
    assertThat(pr.isPaused()).isTrue();
  }

  @Test
  void failedSnapshotProbesAgainFromTheMatch() {
    Progress pr = new Progress(3, 4, MAX_INFLIGHT, false);
    pr.becomeSnapshot(20);

    pr.snapshotFailed();

    assertThat(pr.state()).isEqualTo(ProgressState.PROBE);
    assertThat(pr.next()).isEqualTo(4);
    assertThat(pr.isPaused()).isTrue();
  }

  @Test
  void snapshotStateRefusesToSendEntries() {
    Progress pr = new Progress(3, 4, MAX_INFLIGHT, false);
    pr.becomeSnapshot(20);

    assertThatThrownBy(() -> pr.sentEntries(1, 5)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void resetStartsAnewInProbe() {
    Progress pr = new Progress(3, 4, MAX_INFLIGHT, false);
    pr.becomeReplicate();
    pr.sentEntries(1, 6);
    pr.setRecentActive(true);

    pr.reset(0, 10);

    assertThat(pr.state()).isEqualTo(ProgressState.PROBE);
    assertThat(pr.match()).isZero();
    assertThat(pr.next()).isEqualTo(10);
    assertThat(pr.inflights().count()).isZero();
    assertThat(pr.recentActive()).isFalse();
    assertThat(pr.isPaused()).isFalse();
  }
}
