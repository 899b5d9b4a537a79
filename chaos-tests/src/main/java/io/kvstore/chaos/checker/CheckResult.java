package io.kvstore.chaos.checker;

import java.util.List;

/**
 * What one checker found. Immutable.
 *
 * @param checker its name
 * @param verdict valid, invalid, or unknown (counts as a failure)
 * @param problems human-readable findings, the first few of each kind, each enough to find the
 *     operations in the history file
 */
public record CheckResult(String checker, Verdict verdict, List<String> problems) {
  public CheckResult {
    problems = List.copyOf(problems);
  }

  public static CheckResult of(String checker, List<String> problems) {
    return new CheckResult(checker, problems.isEmpty() ? Verdict.VALID : Verdict.INVALID,
        problems);
  }

  public boolean valid() {
    return verdict == Verdict.VALID;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(checker).append(": ").append(verdict);
    for (String p : problems) {
      b.append("\n  - ").append(p);
    }
    return b.toString();
  }
}
