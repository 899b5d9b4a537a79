package io.kvstore.raft.sim;

import io.kvstore.raft.core.StorageException;
import io.kvstore.raft.pb.Entry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Checks Raft's safety properties (Figure 3 of the Raft paper) incrementally, as the simulation
 * persists and applies entries on each node, and throws {@link SafetyViolation} at the first
 * breach.
 *
 * <ul>
 *   <li>Election Safety: at most one leader per term.
 *   <li>Log Matching: entries with the same index and term carry the same command and follow an
 *       entry of the same term — so, by induction, the logs are identical up to there.
 *   <li>Leader Completeness: a new leader's log holds every entry committed before.
 *   <li>State Machine Safety: every member applies the same entry at each index.
 *   <li>Committed entries never change.
 * </ul>
 *
 * <p>Thread-safety: not thread-safe; the simulation is single-threaded.
 */
final class SafetyChecker {
  private record Stamp(long term, int type, int dataHash, long prevTerm) {}

  private record Applied(long term, int type, int dataHash) {}

  private final Map<Long, Long> leaderOfTerm = new HashMap<>();
  private final Map<Long, Map<Long, Stamp>> stamps = new HashMap<>();
  private final Map<Long, Long> committedTerm = new HashMap<>();
  private final Map<Long, Applied> applied = new HashMap<>();
  private long maxCommitted;

  long maxCommitted() {
    return maxCommitted;
  }

  void onLeader(long id, long term) {
    Long prev = leaderOfTerm.putIfAbsent(term, id);
    if (prev != null && prev != id) {
      throw new SafetyViolation("election safety: term " + term + " has two leaders, "
          + prev + " and " + id);
    }
  }

  /** A node persisted {@code e}, preceded in its log by an entry of term {@code prevTerm}. */
  void onPersisted(long node, Entry e, long prevTerm) {
    Stamp s = new Stamp(e.getTerm(), e.getType().getNumber(), e.getData().hashCode(), prevTerm);
    Stamp prev = stamps.computeIfAbsent(e.getIndex(), k -> new HashMap<>())
        .putIfAbsent(e.getTerm(), s);
    if (prev != null && !prev.equals(s)) {
      throw new SafetyViolation("log matching: node " + node + " has entry " + e.getIndex()
          + "/" + e.getTerm() + " as " + s + " but another node has " + prev);
    }
  }

  /** A node persisted commit index {@code commit}; entries up to it are committed for good. */
  void onCommitted(long node, long fromExclusive, long commit, SimStorage disk) {
    for (long i = Math.max(fromExclusive + 1, disk.firstIndex()); i <= commit; i++) {
      long t = disk.term(i);
      Long prev = committedTerm.putIfAbsent(i, t);
      if (prev != null && prev != t) {
        throw new SafetyViolation("committed entry changed: index " + i + " was term " + prev
            + ", node " + node + " committed term " + t);
      }
    }
    maxCommitted = Math.max(maxCommitted, commit);
  }

  /** Checks that a node that just became leader holds every committed entry. */
  void checkLeaderCompleteness(long node, long term, SimStorage disk) {
    if (disk.lastIndex() < maxCommitted) {
      throw new SafetyViolation("leader completeness: leader " + node + " of term " + term
          + " ends at " + disk.lastIndex() + " but " + maxCommitted + " is committed");
    }
    for (long i = disk.firstIndex(); i <= maxCommitted; i++) {
      Long want = committedTerm.get(i);
      long have;
      try {
        have = disk.term(i);
      } catch (StorageException e) {
        continue;
      }
      if (want != null && want != have) {
        throw new SafetyViolation("leader completeness: leader " + node + " of term " + term
            + " has term " + have + " at committed index " + i + " (committed term " + want + ")");
      }
    }
  }

  void onApplied(long node, Entry e) {
    Applied a = new Applied(e.getTerm(), e.getType().getNumber(), e.getData().hashCode());
    Applied prev = applied.putIfAbsent(e.getIndex(), a);
    if (prev != null && !Objects.equals(prev, a)) {
      throw new SafetyViolation("state machine safety: node " + node + " applied " + a
          + " at index " + e.getIndex() + ", another node applied " + prev);
    }
  }
}
