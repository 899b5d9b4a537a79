package io.kvstore.server.differential;

/**
 * What one etcdctl run printed and how it ended. Immutable.
 *
 * @param stdout everything written to stdout
 * @param stderr everything written to stderr
 * @param exitCode the exit status, {@link #TIMED_OUT} if the run was killed at its deadline, or
 *     {@link #STOPPED} if a command that does not end by itself was stopped after printing what
 *     its step expected
 */
record EtcdctlResult(String stdout, String stderr, int exitCode) {
  /** The exit code recorded for a run that was killed because it ran past its deadline. */
  static final int TIMED_OUT = -1;
  /** The exit code recorded for a bounded run stopped once it printed what it should. */
  static final int STOPPED = -2;

  boolean timedOut() {
    return exitCode == TIMED_OUT;
  }

  /** This result with both streams passed through {@code normalizer}. */
  EtcdctlResult normalized(OutputNormalizer normalizer) {
    return new EtcdctlResult(normalizer.normalize(stdout), normalizer.normalize(stderr), exitCode);
  }

  /** This result with its stdout lines sorted, for output whose line order is not meaningful. */
  EtcdctlResult withSortedStdoutLines() {
    String sorted = String.join("\n", stdout.lines().sorted().toList());
    return new EtcdctlResult(sorted.isEmpty() ? "" : sorted + "\n", stderr, exitCode);
  }
}
