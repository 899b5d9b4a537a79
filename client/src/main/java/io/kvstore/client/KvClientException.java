package io.kvstore.client;

import io.grpc.Status;

/**
 * A call of {@link KvClient} that failed with a known outcome: the request did not take effect,
 * or (for reads) simply had no answer. Subclasses say more: {@link EtcdException} (a server
 * answered with an etcd error), {@link OutcomeUnknownException} (a write that may or may not have
 * been applied). Immutable.
 */
public class KvClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String description;

  KvClientException(Status.Code code, String description, Throwable cause) {
    super(code + ": " + description, cause);
    this.code = code;
    this.description = description;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** The status description unchanged (for etcd errors, etcd's exact text), or "". */
  public String description() {
    return description;
  }
}
