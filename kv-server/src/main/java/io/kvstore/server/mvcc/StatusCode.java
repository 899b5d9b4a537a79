package io.kvstore.server.mvcc;

/**
 * The gRPC status codes etcd answers KV errors with, named as {@code io.grpc.Status.Code} names
 * them so that the service layer maps them by name, without this package depending on gRPC.
 */
public enum StatusCode {
  INVALID_ARGUMENT,
  FAILED_PRECONDITION,
  NOT_FOUND,
  OUT_OF_RANGE,
  DATA_LOSS
}
