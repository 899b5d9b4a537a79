package io.kvstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The rules that decide whether a failed write may be sent again, and how it is reported. */
class FailuresTest {
  private static Status unavailable(String text) {
    return Status.UNAVAILABLE.withDescription(text);
  }

  @Test
  void aWriteIsResentOnlyIfItNeverLeftOrWasRefusedForWantOfALeader() {
    assertThat(Failures.mayResendWrite(unavailable("io exception"), false)).isTrue();
    assertThat(Failures.mayResendWrite(unavailable("io exception"), true)).isFalse();
    assertThat(Failures.mayResendWrite(unavailable("etcdserver: no leader"), true)).isTrue();
    assertThat(Failures.mayResendWrite(unavailable("etcdserver: leader changed"), true)).isTrue();
    assertThat(Failures.mayResendWrite(unavailable("etcdserver: request timed out"), true))
        .isFalse();
    assertThat(Failures.mayResendWrite(Status.DEADLINE_EXCEEDED, false)).isFalse();
  }

  @Test
  void aWriteFailureAfterSendingIsUnknownUnlessAServerRefusedIt() {
    assertThat(Failures.ofWrite(unavailable("etcdserver: request timed out"), true))
        .isInstanceOf(OutcomeUnknownException.class);
    assertThat(Failures.ofWrite(Status.DEADLINE_EXCEEDED, true))
        .isInstanceOf(OutcomeUnknownException.class);
    assertThat(Failures.ofWrite(Status.RESOURCE_EXHAUSTED.withDescription(
        "gRPC message exceeds maximum size"), true)).isInstanceOf(OutcomeUnknownException.class);
    assertThat(Failures.ofWrite(Status.RESOURCE_EXHAUSTED.withDescription(
        "etcdserver: mvcc: database space exceeded"), true))
        .isExactlyInstanceOf(EtcdException.class);
    assertThat(Failures.ofWrite(unavailable("etcdserver: no leader"), true))
        .isExactlyInstanceOf(EtcdException.class);
    assertThat(Failures.ofWrite(Status.DEADLINE_EXCEEDED, false))
        .isExactlyInstanceOf(KvClientException.class);
  }

  @Test
  void streamsReopenAfterTransientFailuresOnly() {
    assertThat(Failures.mayReopenStream(unavailable("etcdserver: no leader"))).isTrue();
    assertThat(Failures.mayReopenStream(Status.CANCELLED)).isTrue();
    assertThat(Failures.mayReopenStream(Status.PERMISSION_DENIED)).isFalse();
    assertThat(Failures.mayReopenStream(Status.INVALID_ARGUMENT)).isFalse();
  }
}
