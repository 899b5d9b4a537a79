package io.kvstore.chaos.checker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Scans member logs for ERROR lines and for exceptions that no log line explains (an uncaught
 * exception's "Exception in thread" or a stack trace under an ERROR). WARN and INFO lines, and the
 * stack traces under them, are expected under faults and pass. {@code allowed} patterns excuse
 * known, harmless lines.
 *
 * <p>Thread-safety: stateless.
 */
public final class LogChecker {
  private static final Pattern ERROR = Pattern.compile("\\bERROR\\b|^Exception in thread|FATAL");

  private LogChecker() {}

  public static CheckResult check(Map<String, String> logs, List<Pattern> allowed) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> log : logs.entrySet()) {
      int found = 0;
      for (String line : log.getValue().split("\n")) {
        if (ERROR.matcher(line).find()
            && allowed.stream().noneMatch(p -> p.matcher(line).find())) {
          if (++found <= 5) {
            problems.add(log.getKey() + ": " + line.strip());
          }
        }
      }
      if (found > 5) {
        problems.add(log.getKey() + ": ... " + (found - 5) + " more");
      }
    }
    return CheckResult.of("member logs", problems);
  }
}
