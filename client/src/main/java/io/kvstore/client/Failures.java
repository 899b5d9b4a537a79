package io.kvstore.client;

import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a failed call's status means for its request, and the exception that reports it. The
 * rules:
 *
 * <ul>
 *   <li>A request that never got onto a connection (no stream was created) reached no server.
 *   <li>{@code "etcdserver: no leader"} and {@code "etcdserver: leader changed"} are answers of a
 *       member that did not hand the request to Raft (refused for want of a leader, or dropped
 *       before commit), so the request was not applied and may be sent again.
 *   <li>Any other etcd error with a code outside {@link #AMBIGUOUS} is a definite refusal.
 *   <li>Everything else after a stream existed ({@code UNAVAILABLE} from a lost connection,
 *       {@code DEADLINE_EXCEEDED}, "etcdserver: request timed out", ...) leaves a write's outcome
 *       unknown.
 * </ul>
 *
 * <p>Stateless.
 */
final class Failures {
  /**
   * Codes under which an etcd error leaves the outcome open (etcd's "request timed out", "server
   * stopped", "request cancelled", ...), and a stream may be opened again.
   */
  static final Set<Status.Code> AMBIGUOUS = EnumSet.of(Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED, Status.Code.UNKNOWN,
      Status.Code.INTERNAL, Status.Code.DATA_LOSS, Status.Code.ABORTED);

  static final String NO_LEADER = "etcdserver: no leader";
  static final String LEADER_CHANGED = "etcdserver: leader changed";

  private Failures() {}

  /** Whether a server answered that it did not apply the request, so it may be sent again. */
  static boolean notApplied(Status status) {
    String d = status.getDescription();
    return status.getCode() == Status.Code.UNAVAILABLE
        && (NO_LEADER.equals(d) || LEADER_CHANGED.equals(d));
  }

  /**
   * Whether a write that failed with {@code status} may be sent again: it never left this client
   * ({@code streamCreated} false) and failed for want of a connection, or a server said it did
   * not apply it.
   */
  static boolean mayResendWrite(Status status, boolean streamCreated) {
    return (!streamCreated && status.getCode() == Status.Code.UNAVAILABLE) || notApplied(status);
  }

  /** The exception for a failed read, or for a write whose outcome is known. */
  static KvClientException definite(Status status) {
    String d = status.getDescription() == null ? "" : status.getDescription();
    Throwable cause = status.asRuntimeException();
    return EtcdException.isEtcdText(d)
        ? new EtcdException(status.getCode(), d, cause)
        : new KvClientException(status.getCode(), d, cause);
  }

  /** The exception for a failed write: definite if its outcome is known, else outcome unknown. */
  static KvClientException ofWrite(Status status, boolean streamCreated) {
    boolean knownRefusal = notApplied(status)
        || (EtcdException.isEtcdText(status.getDescription())
            && !AMBIGUOUS.contains(status.getCode()))
        || status.getCode() == Status.Code.UNIMPLEMENTED;
    return !streamCreated || knownRefusal
        ? definite(status) : new OutcomeUnknownException(status, status.asRuntimeException());
  }

  /**
   * Whether a watch or keep-alive stream that ended with {@code status} should be opened again
   * (on whichever member the balancer picks): yes unless the server refused the request itself.
   */
  static boolean mayReopenStream(Status status) {
    return AMBIGUOUS.contains(status.getCode());
  }
}
