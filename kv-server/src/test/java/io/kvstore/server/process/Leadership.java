package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A leader as a member's log names it: {@code raft.node: <self> elected leader <id> at term <t>},
 * ids in etcd's hex. Immutable; the static helpers read logs and are confined to the test thread.
 */
public record Leadership(String leaderId, long term) {
  private static final Pattern ELECTED =
      Pattern.compile("elected leader (\\p{XDigit}+) at term (\\d+)");
  private static final Pattern STARTING =
      Pattern.compile("starting member (\\S+) \\((\\p{XDigit}+)\\)");

  /** Every leader {@code member} has logged, oldest first. */
  static List<Leadership> logged(ServerProcess member) {
    return member.lines().stream().map(ELECTED::matcher).filter(Matcher::find)
        .map(m -> new Leadership(m.group(1), Long.parseLong(m.group(2)))).toList();
  }

  /** The leader {@code member} logged last, if any. */
  static Optional<Leadership> latest(ServerProcess member) {
    List<Leadership> all = logged(member);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** The member id {@code member} logged when it started; waits for the line. */
  static String memberId(ServerProcess member, Duration timeout) {
    Matcher m = STARTING.matcher(member.awaitLine(STARTING, timeout));
    if (!m.find()) {
      throw new IllegalStateException("the line matched a moment ago");
    }
    return m.group(2);
  }

  /**
   * Waits until every member's latest logged leader is the same, at a term above {@code
   * aboveTerm}, and returns it; fails after the timeout, with what each member logged last.
   */
  public static Leadership awaitAgreement(List<ServerProcess> members, long aboveTerm,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Optional<Leadership>> views = members.stream().map(Leadership::latest).toList();
      Optional<Leadership> first = views.get(0);
      if (first.isPresent() && first.get().term() > aboveTerm
          && views.stream().allMatch(first::equals)) {
        return first.get();
      }
      if (System.nanoTime() - deadline > 0) {
        fail("members did not agree on a leader above term %d within %s: %s%n%s", aboveTerm,
            timeout, views, members.stream().map(ServerProcess::tail)
                .collect(Collectors.joining("\n")));
      }
      ServerProcess.pause();
    }
  }
}
