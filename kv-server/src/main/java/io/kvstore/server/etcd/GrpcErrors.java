package io.kvstore.server.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvstore.raft.core.ProposalDroppedException;
import io.kvstore.raft.node.NodeStoppedException;
import io.kvstore.raft.node.RequestTimeoutException;
import io.kvstore.raft.node.TooManyRequestsException;
import io.kvstore.server.mvcc.EtcdException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns failures into the gRPC status etcd sends for them, code and text unchanged: clients
 * (clientv3, jetcd) recognise errors by the text. Stateless.
 */
public final class GrpcErrors {
  static final String STOPPED = "etcdserver: server stopped";
  static final String TIMEOUT = "etcdserver: request timed out";
  static final String LEADER_CHANGED = "etcdserver: leader changed";
  static final String REQUEST_TOO_LARGE = "etcdserver: request is too large";
  static final String TOO_MANY_REQUESTS = "etcdserver: too many requests";

  private GrpcErrors() {}

  public static Status toStatus(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof StatusRuntimeException status) {
      return status.getStatus();
    }
    if (e instanceof EtcdException etcd) {
      return Status.fromCode(Status.Code.valueOf(etcd.code().name()))
          .withDescription(etcd.getMessage());
    }
    if (e instanceof ProposalDroppedException) {
      return e.getMessage().contains("leader changed")
          ? Status.UNAVAILABLE.withDescription(LEADER_CHANGED) : EtcdStatuses.NO_LEADER;
    }
    if (e instanceof RequestTimeoutException) {
      return Status.UNAVAILABLE.withDescription(TIMEOUT);
    }
    if (e instanceof TooManyRequestsException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(TOO_MANY_REQUESTS);
    }
    if (e instanceof NodeStoppedException) {
      return Status.UNAVAILABLE.withDescription(STOPPED);
    }
    if (e instanceof RequestTooLargeException) {
      return Status.INVALID_ARGUMENT.withDescription(REQUEST_TOO_LARGE);
    }
    return Status.INTERNAL.withDescription(String.valueOf(e)).withCause(e);
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
