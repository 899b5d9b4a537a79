package io.kvstore.server.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kvstore.raft.core.ProposalDroppedException;
import io.kvstore.raft.node.RequestTimeoutException;
import io.kvstore.raft.node.TooManyRequestsException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The Raft layer's failures map to etcd's gRPC codes and texts, through future wrappers. */
class GrpcErrorsTest {
  @Test
  void raftFailuresGetEtcdsCodesAndTexts() {
    assertThat(GrpcErrors.toStatus(new CompletionException(
        new TooManyRequestsException("too many requests: 5001 committed entries wait"))))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests");
    assertThat(GrpcErrors.toStatus(new RequestTimeoutException("x")))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.UNAVAILABLE, "etcdserver: request timed out");
    assertThat(GrpcErrors.toStatus(new ProposalDroppedException("no leader", 0)))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.UNAVAILABLE, "etcdserver: no leader");
  }
}
