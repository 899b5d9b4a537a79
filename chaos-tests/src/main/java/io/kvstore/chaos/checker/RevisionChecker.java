package io.kvstore.chaos.checker;

import io.kvstore.chaos.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Checks the revisions the cluster acknowledged ({@code output.rev}, the response header's
 * revision) against real time:
 *
 * <ul>
 *   <li>unique: no two acknowledged writes got the same revision;
 *   <li>never backwards: a write that starts after another acknowledged operation ended has a
 *       larger revision; a read that starts after an operation ended has a revision at least as
 *       large.
 * </ul>
 *
 * <p>Thread-safety: stateless.
 */
public final class RevisionChecker {
  private static final int MAX_REPORTED = 10;

  private RevisionChecker() {}

  /** {@code isWrite} says which acknowledged operations wrote (and so got a revision of their own). */
  public static CheckResult check(List<Operation> ops, Predicate<Operation> isWrite) {
    List<Operation> acked = new ArrayList<>();
    for (Operation op : ops) {
      if (op.ok() && op.revision() > 0) {
        acked.add(op);
      }
    }
    List<String> problems = new ArrayList<>();
    Map<Long, Operation> byRevision = new HashMap<>();
    for (Operation op : acked) {
      if (isWrite.test(op)) {
        Operation other = byRevision.putIfAbsent(op.revision(), op);
        if (other != null && problems.size() < MAX_REPORTED) {
          problems.add("revision " + op.revision() + " acknowledged for two writes: " + other
              + " and " + op);
        }
      }
    }
    List<Operation> byStart = new ArrayList<>(acked);
    byStart.sort(Comparator.comparingLong(Operation::start));
    List<Operation> byEnd = new ArrayList<>(acked);
    byEnd.sort(Comparator.comparingLong(Operation::end));
    int ended = 0;
    Operation maxBefore = null;
    int backwards = 0;
    for (Operation op : byStart) {
      while (ended < byEnd.size() && byEnd.get(ended).end() < op.start()) {
        Operation done = byEnd.get(ended++);
        if (maxBefore == null || done.revision() > maxBefore.revision()) {
          maxBefore = done;
        }
      }
      if (maxBefore == null) {
        continue;
      }
      boolean write = isWrite.test(op);
      boolean bad = write ? op.revision() <= maxBefore.revision()
          : op.revision() < maxBefore.revision();
      if (bad) {
        backwards++;
        if (backwards <= MAX_REPORTED) {
          problems.add("revision went backwards: " + op + " started after " + maxBefore
              + " ended, yet has revision " + op.revision() + (write ? " <= " : " < ")
              + maxBefore.revision());
        }
      }
    }
    if (backwards > MAX_REPORTED) {
      problems.add("... " + (backwards - MAX_REPORTED) + " more operations went backwards");
    }
    return CheckResult.of("revisions", problems);
  }
}
