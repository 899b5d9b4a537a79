package io.kvstore.server.etcd;

import io.grpc.Status;

/**
 * The gRPC statuses etcd answers Cluster and Maintenance errors with (its {@code rpctypes}), code
 * and text unchanged, since clients match on the text. Constants only.
 */
public final class EtcdStatuses {
  public static final Status MEMBER_NOT_FOUND =
      Status.NOT_FOUND.withDescription("etcdserver: member not found");
  static final Status MEMBER_EXIST =
      Status.FAILED_PRECONDITION.withDescription("etcdserver: member ID already exist");
  static final Status PEER_URL_EXIST =
      Status.FAILED_PRECONDITION.withDescription("etcdserver: Peer URLs already exists");
  static final Status BAD_URLS =
      Status.INVALID_ARGUMENT.withDescription("etcdserver: given member URLs are invalid");
  static final Status NOT_ENOUGH_STARTED = Status.FAILED_PRECONDITION.withDescription(
      "etcdserver: re-configuration failed due to not enough started members");
  public static final Status NOT_LEARNER = Status.FAILED_PRECONDITION.withDescription(
      "etcdserver: can only promote a learner member");
  static final Status LEARNER_NOT_READY = Status.FAILED_PRECONDITION.withDescription(
      "etcdserver: can only promote a learner member which is in sync with leader");
  static final Status TOO_MANY_LEARNERS = Status.FAILED_PRECONDITION.withDescription(
      "etcdserver: too many learner members in cluster");
  static final Status NOT_LEADER =
      Status.FAILED_PRECONDITION.withDescription("etcdserver: not leader");
  static final Status BAD_TRANSFEREE =
      Status.FAILED_PRECONDITION.withDescription("etcdserver: bad leader transferee");
  static final Status LEADER_TRANSFER_TIMEOUT = Status.UNAVAILABLE.withDescription(
      "etcdserver: request timed out, leader transfer took too long");
  static final Status NO_SPACE =
      Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: mvcc: database space exceeded");
  static final Status NO_LEADER = Status.UNAVAILABLE.withDescription("etcdserver: no leader");

  private EtcdStatuses() {}
}
