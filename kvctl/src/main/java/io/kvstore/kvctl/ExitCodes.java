package io.kvstore.kvctl;

/** etcdctl's exit codes (etcdctl/ctlv3/command/error.go), which scripts rely on. */
final class ExitCodes {
  static final int SUCCESS = 0;
  static final int ERROR = 1;
  static final int BAD_CONNECTION = 2;
  /** Bad input for txn and watch. */
  static final int INVALID_INPUT = 3;
  /** A valid flag with an unsupported value. */
  static final int BAD_FEATURE = 4;
  static final int INTERRUPTED = 5;
  static final int IO = 6;
  static final int BAD_ARGS = 128;

  private ExitCodes() {}
}
