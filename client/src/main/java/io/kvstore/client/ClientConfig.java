package io.kvstore.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A {@link KvClient}'s settings. Immutable.
 *
 * @param endpoints the members to balance over, at least one, no duplicates
 * @param callTimeout the deadline of every unary call, all its attempts included; positive
 * @param requireLeader whether unary calls send {@code hasleader: true} (watches always do)
 * @param executor where futures complete and observers are called; null: the client's own
 */
record ClientConfig(List<Endpoint> endpoints, Duration callTimeout, boolean requireLeader,
    Executor executor) {
  static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

  ClientConfig {
    endpoints = List.copyOf(endpoints);
  }

  /** Throws {@link IllegalArgumentException} naming the field that is wrong, and why. */
  ClientConfig validate() {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: at least one is needed");
    }
    if (endpoints.stream().distinct().count() != endpoints.size()) {
      throw new IllegalArgumentException("endpoints: " + endpoints + " names one twice");
    }
    if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout: " + callTimeout + " is not positive");
    }
    return this;
  }
}
