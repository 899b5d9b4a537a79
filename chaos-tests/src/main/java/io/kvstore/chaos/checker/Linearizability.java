package io.kvstore.chaos.checker;

import io.kvstore.chaos.history.Operation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Linearizability checking after Wing &amp; Gong, with Lowe's memoisation of (linearized set,
 * state) pairs, and partitioned per key as Porcupine does: operations on different keys commute,
 * so each partition is checked alone and the history is linearizable iff every partition is.
 *
 * <p>The history is a doubly linked list of call and return entries in time order. The search
 * walks it: at a call it tries to linearize that operation now (the model accepts its result and
 * the (set, state) pair is new), lifting its call and return out of the list; at a return whose
 * operation is not yet linearized it backtracks. An unknown-outcome operation has its return at
 * infinity, so it may take effect at any point after its call, or (being last) never visibly.
 *
 * <p>Thread-safety: stateless; each call works on its own data.
 */
public final class Linearizability {
  private Linearizability() {}

  /**
   * Checks {@code ops} against {@code model} within {@code timeout} in total; partitions are
   * keyed by {@code partition} (usually {@link Operation#key}).
   */
  public static <S> CheckResult check(String name, List<Operation> ops, Model<S> model,
      Function<Operation, String> partition, Duration timeout) {
    Map<String, List<Operation>> parts = new LinkedHashMap<>();
    for (Operation op : ops) {
      if (model.relevant(op)) {
        parts.computeIfAbsent(partition.apply(op), k -> new ArrayList<>()).add(op);
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> problems = new ArrayList<>();
    Verdict verdict = Verdict.VALID;
    for (Map.Entry<String, List<Operation>> part : parts.entrySet()) {
      PartResult r = checkPartition(part.getValue(), model, deadline);
      verdict = Verdict.worst(verdict, r.verdict);
      if (r.verdict != Verdict.VALID) {
        problems.add("partition " + part.getKey() + " (" + part.getValue().size() + " ops): "
            + r.detail);
      }
    }
    return new CheckResult(name, verdict, problems);
  }

  public static <S> CheckResult check(String name, List<Operation> ops, Model<S> model,
      Duration timeout) {
    return check(name, ops, model, Operation::key, timeout);
  }

  private record PartResult(Verdict verdict, String detail) {}

  private static final class Entry {
    final Operation op;
    final int id;
    final boolean call;
    final long time;
    Entry match;
    Entry prev;
    Entry next;

    Entry(Operation op, int id, boolean call, long time) {
      this.op = op;
      this.id = id;
      this.call = call;
      this.time = time;
    }
  }

  private record CacheKey(BitSet linearized, Object state) {}

  private record Frame(Entry entry, Object state) {}

  @SuppressWarnings("unchecked")
  private static <S> PartResult checkPartition(List<Operation> ops, Model<S> model,
      long deadline) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      Entry call = new Entry(op, i, true, op.start());
      Entry ret = new Entry(op, i, false, op.end());
      call.match = ret;
      entries.add(call);
      entries.add(ret);
    }
    // Time order; at equal times calls first (the operations then overlap, the permissive choice).
    entries.sort(Comparator.<Entry>comparingLong(e -> e.time).thenComparing(e -> !e.call));
    Entry head = new Entry(null, -1, false, Long.MIN_VALUE);
    Entry last = head;
    for (Entry e : entries) {
      last.next = e;
      e.prev = last;
      last = e;
    }
    Set<CacheKey> cache = new HashSet<>();
    Deque<Frame> calls = new ArrayDeque<>();
    BitSet linearized = new BitSet(ops.size());
    S state = model.init();
    Entry entry = head.next;
    int best = -1;
    List<Frame> bestPrefix = List.of();
    Operation stuck = null;
    long steps = 0;
    while (head.next != null) {
      if ((++steps & 0xfff) == 0 && System.nanoTime() > deadline) {
        return new PartResult(Verdict.UNKNOWN, "timed out after " + steps + " steps with "
            + calls.size() + " of " + ops.size() + " ops linearized");
      }
      if (entry.call) {
        S next = model.step(state, entry.op);
        if (next != null) {
          BitSet bits = (BitSet) linearized.clone();
          bits.set(entry.id);
          if (cache.add(new CacheKey(bits, next))) {
            calls.push(new Frame(entry, state));
            state = next;
            linearized.set(entry.id);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (calls.size() > best) {
          best = calls.size();
          List<Frame> prefix = new ArrayList<>(calls);
          java.util.Collections.reverse(prefix);
          bestPrefix = prefix;
          stuck = entry.op;
        }
        if (calls.isEmpty()) {
          return new PartResult(Verdict.INVALID, explain(ops.size(), bestPrefix, stuck, model));
        }
        Frame top = calls.pop();
        state = (S) top.state;
        linearized.clear(top.entry.id);
        unlift(top.entry);
        entry = top.entry.next;
      }
    }
    return new PartResult(Verdict.VALID, "");
  }

  private static <S> String explain(int total, List<Frame> prefix, Operation stuck,
      Model<S> model) {
    StringBuilder b = new StringBuilder("not linearizable: at most ").append(prefix.size())
        .append(" of ").append(total).append(" ops linearize; then no order admits ")
        .append(stuck).append(". Longest linearization ends with:");
    int from = Math.max(0, prefix.size() - 8);
    for (int i = from; i < prefix.size(); i++) {
      Frame f = prefix.get(i);
      b.append("\n      ").append(f.entry.op);
    }
    S state = model.init();
    for (Frame f : prefix) {
      S next = model.step(state, f.entry.op);
      state = next == null ? state : next;
    }
    b.append("\n    state there: ").append(state);
    return b.toString();
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
