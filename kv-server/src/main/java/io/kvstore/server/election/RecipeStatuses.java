package io.kvstore.server.election;

import io.grpc.Status;

/**
 * The errors etcd's election and lock servers answer with. They are plain Go errors of its
 * {@code concurrency} package and of {@code v3election}, so they reach clients with code UNKNOWN
 * and their text, which clients match on (jetcd turns the two election texts into {@code
 * NotLeaderException} and {@code NoLeaderException}). Constants only.
 */
final class RecipeStatuses {
  /** A proclamation, or a campaign, by a participant whose key is not the one it names. */
  static final Status NOT_LEADER = Status.UNKNOWN.withDescription("election: not leader");
  /** No key under the election's prefix. */
  static final Status NO_LEADER = Status.UNKNOWN.withDescription("election: no leader");
  /** The lock key was deleted (its lease expired) before the lock was acquired. */
  static final Status SESSION_EXPIRED =
      Status.UNKNOWN.withDescription("mutex: session is expired");
  /** A Proclaim or Resign without its leader key. */
  static final Status MISSING_LEADER_KEY =
      Status.UNKNOWN.withDescription("\"leader\" field must be provided");

  private RecipeStatuses() {}
}
