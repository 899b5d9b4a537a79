package io.kvstore.raft.quorum;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;

/**
 * A set of voters that decides by simple majority. Immutable.
 *
 * <p>Invariant: ids are sorted, distinct and non-zero.
 */
public final class MajorityConfig {
  private final long[] ids;

  public MajorityConfig(Collection<Long> voters) {
    TreeSet<Long> sorted = new TreeSet<>(voters);
    ids = sorted.stream().mapToLong(Long::longValue).toArray();
  }

  public static MajorityConfig of(long... voters) {
    return new MajorityConfig(Arrays.stream(voters).boxed().toList());
  }

  public boolean contains(long id) {
    return Arrays.binarySearch(ids, id) >= 0;
  }

  public int size() {
    return ids.length;
  }

  public boolean isEmpty() {
    return ids.length == 0;
  }

  /** The voter ids in ascending order. */
  public Set<Long> ids() {
    TreeSet<Long> out = new TreeSet<>();
    for (long id : ids) {
      out.add(id);
    }
    return out;
  }

  /** The number of voters that make a majority. */
  public int quorum() {
    return ids.length / 2 + 1;
  }

  /**
   * The largest index acknowledged by a majority, given each voter's acknowledged index (0 for
   * unknown). An empty configuration commits everything, as etcd's does, so that joint-free
   * arithmetic stays simple; callers never use an empty voter set.
   */
  public long committedIndex(LongUnaryOperator ackedIndex) {
    if (ids.length == 0) {
      return Long.MAX_VALUE;
    }
    long[] acked = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      acked[i] = ackedIndex.applyAsLong(ids[i]);
    }
    Arrays.sort(acked);
    return acked[ids.length - quorum()];
  }

  /** The outcome given the votes cast so far (absent voters have not voted). */
  public VoteResult voteResult(Map<Long, Boolean> votes) {
    if (ids.length == 0) {
      return VoteResult.WON;
    }
    int granted = 0;
    int missing = 0;
    for (long id : ids) {
      Boolean v = votes.get(id);
      if (v == null) {
        missing++;
      } else if (v) {
        granted++;
      }
    }
    int q = quorum();
    if (granted >= q) {
      return VoteResult.WON;
    }
    if (granted + missing >= q) {
      return VoteResult.PENDING;
    }
    return VoteResult.LOST;
  }

  @Override
  public String toString() {
    return Arrays.toString(ids);
  }
}
