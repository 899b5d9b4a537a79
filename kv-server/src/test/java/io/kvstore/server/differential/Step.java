package io.kvstore.server.differential;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One etcdctl command line of a differential script: the arguments after the global flags, the
 * text fed to its stdin (for {@code etcdctl txn}, which reads compares and operations from stdin
 * when not interactive), whether the order of its output lines is meaningful, the error etcd is
 * expected to answer with, if any, and how it is run. Arguments may name tokens that each session
 * resolves to its own cluster's value (see {@link EtcdctlSession#resolve}): a lease ({@code
 * <lease-1>}), a revision a marked step saw ({@code <rev:w>}, {@code <rev:w+3>}) or a follower's
 * member id ({@code <follower-id>}). Immutable.
 *
 * @param args the command and its flags, e.g. {@code [get, a, --prefix]}
 * @param stdin the text fed to stdin, if any
 * @param unordered whether stdout lines are compared as a sorted list, for commands that print one
 *     line per member in an order that depends on timing or member ids
 * @param expectedError empty if real etcd exits 0 (or, for a bounded step, is stopped after
 *     printing what it should), else a text its stderr contains when it exits non-zero; checked on
 *     the reference cluster only, so that a broken harness or script (two clusters failing alike,
 *     for the wrong reason) cannot pass for agreement
 * @param endpoint the index of the only member etcdctl talks to, for commands that refuse several
 *     endpoints ({@code snapshot save}); empty for every member
 * @param bound for a command that does not end by itself ({@code watch}): when to stop it
 * @param revisionMark a name under which the session remembers the first {@code "revision":N}
 *     this step prints (so it should print {@code -w json}), for later {@code <rev:name>} tokens
 * @param background commands run, one after the other and without comparing their output, while
 *     a bounded step runs, for live watches; empty otherwise
 * @param knownDifference why a target other than etcd is known to print something else (a target
 *     bug reported but not fixed yet): such a step is reported in the transcript rather than
 *     failing the script, and fails it once the outputs agree, so that the mark is removed with
 *     the fix; empty for every ordinary step
 */
record Step(List<String> args, Optional<String> stdin, boolean unordered,
    Optional<String> expectedError, Optional<Integer> endpoint, Optional<Bound> bound,
    Optional<String> revisionMark, List<List<String>> background,
    Optional<String> knownDifference) {
  Step {
    args = List.copyOf(args);
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(expectedError, "expectedError");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(bound, "bound");
    Objects.requireNonNull(revisionMark, "revisionMark");
    Objects.requireNonNull(knownDifference, "knownDifference");
    background = background.stream().map(List::copyOf).toList();
    if (args.isEmpty()) {
      throw new IllegalArgumentException("a step needs at least the command name");
    }
    if (!background.isEmpty() && bound.isEmpty()) {
      throw new IllegalArgumentException("background commands need a bounded step");
    }
  }

  /**
   * When the runner stops a command that does not end by itself: once it printed {@code lines}
   * stdout lines (and a short grace period passed, so that surplus output shows), or at {@code
   * max}. A run stopped there is {@link EtcdctlResult#STOPPED} if it printed at least {@code
   * lines} lines by then, else {@link EtcdctlResult#TIMED_OUT}; with {@code lines} zero the run
   * always lasts {@code max} unless it exits by itself. Immutable.
   */
  record Bound(int lines, Duration max) {
    Bound {
      if (lines < 0 || max.isNegative() || max.isZero()) {
        throw new IllegalArgumentException("bad bound: " + lines + " lines, " + max);
      }
    }
  }

  /** {@code etcdctl <args>}, nothing on stdin, expected to succeed. */
  static Step of(String... args) {
    return new Step(List.of(args), Optional.empty(), false, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), List.of(), Optional.empty());
  }

  /**
   * {@code etcdctl <args>} for a command that runs until stopped ({@code watch}): stopped once it
   * printed {@code lines} stdout lines, or after {@code max}.
   */
  static Step bounded(int lines, Duration max, String... args) {
    return new Step(List.of(args), Optional.empty(), false, Optional.empty(), Optional.empty(),
        Optional.of(new Bound(lines, max)), Optional.empty(), List.of(), Optional.empty());
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
    return new Step(args, Optional.of(stdin), false, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), List.of(), Optional.empty());
  }

  private static String section(List<String> lines) {
    return lines.stream().map(l -> l + "\n").collect(Collectors.joining()) + "\n";
  }

  /** This step, expected to exit non-zero with {@code error} in its stderr. */
  Step failsWith(String error) {
    return new Step(args, stdin, unordered, Optional.of(error), endpoint, bound, revisionMark,
        background, knownDifference);
  }

  /** This step with its stdout lines compared in sorted order. */
  Step unorderedLines() {
    return new Step(args, stdin, true, expectedError, endpoint, bound, revisionMark, background,
        knownDifference);
  }

  /** This step run against the member at {@code index} of the cluster's endpoints only. */
  Step onEndpoint(int index) {
    return new Step(args, stdin, unordered, expectedError, Optional.of(index), bound,
        revisionMark, background, knownDifference);
  }

  /** This step, remembering the revision it prints as {@code name} for {@code <rev:name>}. */
  Step marksRevision(String name) {
    return new Step(args, stdin, unordered, expectedError, endpoint, bound, Optional.of(name),
        background, knownDifference);
  }

  /**
   * This bounded step with {@code commands} run one after the other once it started (after a
   * short delay), their output not compared: writes that a live watch should see.
   */
  @SafeVarargs
  final Step whileRunning(List<String>... commands) {
    return new Step(args, stdin, unordered, expectedError, endpoint, bound, revisionMark,
        List.of(commands), knownDifference);
  }

  /**
   * This step, known to differ on a target other than etcd for {@code reason}, a target bug
   * reported but not fixed yet.
   */
  Step knownDifference(String reason) {
    return new Step(args, stdin, unordered, expectedError, endpoint, bound, revisionMark,
        background, Optional.of(reason));
  }

  /** Whether {@code result}, from real etcd, is what this step expects of etcd. */
  boolean expected(EtcdctlResult result) {
    boolean succeeded = bound.isPresent() ? result.exitCode() == EtcdctlResult.STOPPED
        : result.exitCode() == 0;
    return expectedError.map(e -> result.exitCode() > 0 && result.stderr().contains(e))
        .orElse(succeeded);
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
    endpoint.ifPresent(i -> line.append("  [endpoint ").append(i + 1).append(" only]"));
    bound.ifPresent(b -> line.append("  [stopped after ").append(b.lines())
        .append(" lines or ").append(b.max().toMillis()).append(" ms]"));
    for (List<String> command : background) {
      line.append("  [while: etcdctl");
      command.forEach(arg -> line.append(' ').append(quote(arg)));
      line.append(']');
    }
    revisionMark.ifPresent(m -> line.append("  [revision as <rev:").append(m).append(">]"));
    return line.toString();
  }

  private static String quote(String arg) {
    return arg.isEmpty() || arg.matches(".*[\\s\"'\\\\<>$|&;()*?].*")
        ? "'" + arg.replace("'", "'\\''") + "'" : arg;
  }
}
