package io.kvstore.raft.sim;

/** A broken Raft invariant found by the simulation. Immutable. */
final class SafetyViolation extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SafetyViolation(String message) {
    super(message);
  }
}
