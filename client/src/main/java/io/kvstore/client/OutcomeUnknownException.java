package io.kvstore.client;

import io.grpc.Status;

/**
 * A write (or another call that changes the cluster) failed after its request may have reached a
 * server: it may or may not have been applied, and {@link KvClient} did not retry it, since
 * repeating it could apply it twice. The cause is the gRPC failure ({@code DEADLINE_EXCEEDED},
 * connection lost, "etcdserver: request timed out", ...). The caller decides: read back, or retry
 * if the write is idempotent. Immutable.
 */
public final class OutcomeUnknownException extends KvClientException {
  private static final long serialVersionUID = 1L;

  OutcomeUnknownException(Status status, Throwable cause) {
    super(status.getCode(), status.getDescription() == null ? "" : status.getDescription(), cause);
  }

  @Override
  public String getMessage() {
    return "outcome unknown, the request may have been applied: " + super.getMessage();
  }
}
