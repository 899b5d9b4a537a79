package io.kvstore.kvctl;

/**
 * Ends a kvctl command with etcdctl's {@code Error: <message>} line on stderr and an exit code
 * of {@link ExitCodes}. Immutable.
 */
final class KvctlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  /** Whether the "Error: " line is printed; false when the command has said everything. */
  private final boolean print;

  KvctlException(int exitCode, String message) {
    this(exitCode, message, true);
  }

  private KvctlException(int exitCode, String message, boolean print) {
    super(message);
    this.exitCode = exitCode;
    this.print = print;
  }

  /** Exits with {@code exitCode} and prints nothing more (etcdctl's bare {@code os.Exit}). */
  static KvctlException silent(int exitCode) {
    return new KvctlException(exitCode, "", false);
  }

  int exitCode() {
    return exitCode;
  }

  boolean print() {
    return print;
  }
}
