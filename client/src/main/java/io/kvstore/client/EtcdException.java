package io.kvstore.client;

import io.grpc.Status;

/**
 * A server answered with one of etcd's errors, whose text (for instance {@code "etcdserver:
 * mvcc: required revision has been compacted"} or {@code "etcdserver: requested lease not
 * found"}) {@link #description()} gives exactly as sent, with its gRPC {@link #code()}. For a write
 * it is a definite outcome: the write was not applied. Immutable.
 */
public class EtcdException extends KvClientException {
  private static final long serialVersionUID = 1L;

  /** The prefix every etcd server error text starts with. */
  static final String PREFIX = "etcdserver: ";

  EtcdException(Status.Code code, String description, Throwable cause) {
    super(code, description, cause);
  }

  /** Whether {@code description} is an etcd server error text. */
  static boolean isEtcdText(String description) {
    return description != null && description.startsWith(PREFIX);
  }
}
