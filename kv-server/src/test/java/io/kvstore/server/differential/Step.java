package io.kvstore.server.differential;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One etcdctl command line of a differential script: the arguments after the global flags, the
 * text fed to its stdin (for {@code etcdctl txn}, which reads compares and operations from stdin
 * when not interactive), whether the order of its output lines is meaningful, and the error etcd
 * is expected to answer with, if any. Arguments may name a lease by its token ({@code
 * <lease-1>}), which {@link OutputNormalizer#resolve} turns into each cluster's own lease id.
 * Immutable.
 *
 * @param args the command and its flags, e.g. {@code [get, a, --prefix]}
 * @param stdin the text fed to stdin, if any
 * @param unordered whether stdout lines are compared as a sorted list, for commands that print one
 *     line per member in an order that depends on timing or member ids
 * @param expectedError empty if real etcd exits 0, else a text its stderr contains when it exits
 *     non-zero; checked on the reference cluster only, so that a broken harness or script (two
 *     clusters failing alike, for the wrong reason) cannot pass for agreement
 */
record Step(List<String> args, Optional<String> stdin, boolean unordered,
    Optional<String> expectedError) {
  Step {
    args = List.copyOf(args);
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(expectedError, "expectedError");
    if (args.isEmpty()) {
      throw new IllegalArgumentException("a step needs at least the command name");
    }
  }

  /** {@code etcdctl <args>}, nothing on stdin, expected to succeed. */
  static Step of(String... args) {
    return new Step(List.of(args), Optional.empty(), false, Optional.empty());
  }

  /**
   * {@code etcdctl txn <flags>} reading the txn from stdin as the non-interactive mode wants it:
   * the compares, the success operations and the failure operations, each section ended by an
   * empty line.
   */
  static Step txn(List<String> compares, List<String> success, List<String> failure,
      String... flags) {
    String stdin = section(compares) + section(success) + section(failure);
    List<String> args = new ArrayList<>(List.of("txn"));
    args.addAll(List.of(flags));
    return new Step(args, Optional.of(stdin), false, Optional.empty());
  }

  private static String section(List<String> lines) {
    return lines.stream().map(l -> l + "\n").collect(Collectors.joining()) + "\n";
  }

  /** This step, expected to exit non-zero with {@code error} in its stderr. */
  Step failsWith(String error) {
    return new Step(args, stdin, unordered, Optional.of(error));
  }

  /** This step with its stdout lines compared in sorted order. */
  Step unorderedLines() {
    return new Step(args, stdin, true, expectedError);
  }

  /** Whether {@code result}, from real etcd, is what this step expects of etcd. */
  boolean expected(EtcdctlResult result) {
    return expectedError.map(e -> result.exitCode() != 0 && result.stderr().contains(e))
        .orElse(result.exitCode() == 0);
  }

  /** The command line as a shell would show it, with stdin summarised, for reports. */
  String describe() {
    StringBuilder line = new StringBuilder("etcdctl");
    for (String arg : args) {
      line.append(' ').append(quote(arg));
    }
    stdin.ifPresent(in -> {
      List<String> lines = in.lines().toList();
      String shown = lines.size() <= 12 ? in.stripTrailing().replace("\n", "\\n")
          : lines.size() + " lines: " + String.join("\\n", lines.subList(0, 3)) + "\\n...";
      line.append("  <<< ").append(shown);
    });
    return line.toString();
  }

  private static String quote(String arg) {
    return arg.isEmpty() || arg.matches(".*[\\s\"'\\\\<>$|&;()*?].*")
        ? "'" + arg.replace("'", "'\\''") + "'" : arg;
  }
}
