package io.kvstore.lease;

/**
 * Why a {@link Session} ended. Immutable.
 *
 * @param reason what happened
 * @param detail a sentence for logs
 */
public record SessionLoss(Reason reason, String detail) {

  /** The ways a session ends. */
  public enum Reason {
    /** The store says the lease no longer exists (expired or revoked elsewhere). */
    LEASE_GONE,
    /** No renewal could be confirmed in time; the store may expire the lease at any moment. */
    UNCONFIRMED,
    /** The session was closed by its owner. */
    CLOSED
  }
}
