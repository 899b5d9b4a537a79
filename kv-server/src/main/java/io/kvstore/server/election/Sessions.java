package io.kvstore.server.election;

import java.util.concurrent.CompletableFuture;

/**
 * The lease a recipe call's keys are attached to, as etcd's servers open a {@code concurrency}
 * session for each call: the lease the request names, taken as it is (an unknown lease fails the
 * first write with etcd's lease-not-found error), or for lease 0 a fresh lease of the session's
 * default TTL, which nobody keeps alive. Stateless.
 */
final class Sessions {
  /** etcd's {@code concurrency} default session TTL. */
  static final long DEFAULT_TTL_SECONDS = 60;

  private Sessions() {}

  /** The lease to use for {@code requested}. */
  static CompletableFuture<Long> lease(Keyspace keyspace, long requested) {
    return requested != 0 ? CompletableFuture.completedFuture(requested)
        : keyspace.grantLease(DEFAULT_TTL_SECONDS);
  }
}
