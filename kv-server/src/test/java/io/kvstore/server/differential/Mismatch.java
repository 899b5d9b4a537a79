package io.kvstore.server.differential;

import java.util.ArrayList;
import java.util.List;

/**
 * A step whose normalised results differ between the reference cluster and the target, or whose
 * reference result is not what the script expects; renders itself as a readable report. Immutable.
 *
 * @param number the step's 1-based position in its script
 * @param step the step
 * @param referenceKind what serves the reference cluster
 * @param reference the reference cluster's normalised result
 * @param targetKind what serves the target cluster
 * @param target the target cluster's normalised result
 */
record Mismatch(int number, Step step, String referenceKind, EtcdctlResult reference,
    String targetKind, EtcdctlResult target) {
  private static final int MAX_LINES = 40;

  /**
   * The mismatch of {@code step}'s results, if any: a difference in exit code, stdout or stderr, a
   * run killed at its deadline on either side, or a reference exit code against the script's
   * expectation.
   */
  static boolean differs(Step step, EtcdctlResult reference, EtcdctlResult target) {
    return !reference.equals(target) || reference.timedOut() || target.timedOut()
        || unexpected(step, reference);
  }

  private static boolean unexpected(Step step, EtcdctlResult reference) {
    return !step.expected(reference);
  }

  /** The report: step, command, and each stream that differs, A against B. */
  String describe() {
    String a = referenceKind + " (A)";
    String b = targetKind + " (B)";
    StringBuilder out = new StringBuilder();
    out.append("step ").append(number).append(": ").append(step.describe()).append('\n');
    if (unexpected(step, reference)) {
      out.append("  the script expects ").append(referenceKind).append(" to ")
          .append(step.expectedError().map(e -> "fail with \"" + e + "\"").orElse("succeed"))
          .append(", but A exited ").append(reference.exitCode()).append('\n');
    }
    if (reference.timedOut() || target.timedOut()) {
      out.append("  killed at its deadline: ").append(reference.timedOut() ? a + " " : "")
          .append(target.timedOut() ? b : "").append('\n');
    }
    if (reference.exitCode() != target.exitCode()) {
      out.append("  exit code: ").append(a).append(' ').append(reference.exitCode())
          .append(", ").append(b).append(' ').append(target.exitCode()).append('\n');
    }
    stream(out, "stdout", reference.stdout(), target.stdout(), a, b);
    stream(out, "stderr", reference.stderr(), target.stderr(), a, b);
    if (reference.equals(target)) {
      out.append("  (A and B agree; both printed)\n");
      block(out, "stdout", a, reference.stdout());
      block(out, "stderr", a, reference.stderr());
    }
    return out.toString();
  }

  private static void stream(StringBuilder out, String name, String a, String b, String labelA,
      String labelB) {
    if (a.equals(b)) {
      return;
    }
    List<String> linesA = a.lines().toList();
    List<String> linesB = b.lines().toList();
    int line = 0;
    while (line < linesA.size() && line < linesB.size()
        && linesA.get(line).equals(linesB.get(line))) {
      line++;
    }
    out.append("  ").append(name).append(" differs at line ").append(line + 1).append(":\n")
        .append("    A: ").append(line < linesA.size() ? linesA.get(line) : "<end>").append('\n')
        .append("    B: ").append(line < linesB.size() ? linesB.get(line) : "<end>").append('\n');
    if (linesA.equals(linesB)) {
      out.append("    (same lines; the texts differ in a trailing newline)\n");
    }
    block(out, name, labelA, a);
    block(out, name, labelB, b);
  }

  private static void block(StringBuilder out, String name, String label, String text) {
    List<String> lines = new ArrayList<>(text.lines().toList());
    out.append("  --- ").append(name).append(" of ").append(label).append(" (")
        .append(lines.size()).append(" lines) ---\n");
    if (lines.size() > MAX_LINES) {
      int more = lines.size() - MAX_LINES;
      lines = new ArrayList<>(lines.subList(0, MAX_LINES));
      lines.add("... " + more + " more lines");
    }
    lines.forEach(l -> out.append("  | ").append(l).append('\n'));
  }
}
