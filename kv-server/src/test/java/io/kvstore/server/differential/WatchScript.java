package io.kvstore.server.differential;

import java.time.Duration;
import java.util.List;

/**
 * The watch part of the differential script. {@code etcdctl watch} does not end by itself, so
 * every watch is a bounded step (see {@link Step#bounded}): it starts from a revision of the
 * history this script wrote, prints the past events at once, and is stopped once it printed the
 * expected number of lines. Revisions are named relative to the script's first write ({@code
 * <rev:w>}), so the script does not depend on the scripts before it. The history (revisions
 * relative to {@code w}):
 *
 * <pre>
 *   +0 put w/a 1    +1 put w/b 2    +2 put w/a 3    +3 txn: put w/c 1, put w/d 2
 *   +4 del w/a      +5 put w/b 4    +6 put w/live 1 (live)    +7 del w/b (live)
 * </pre>
 *
 * <p>In simple output an event takes three lines (type, key, value; a deletion's value is empty),
 * five with {@code --prev-kv} when there is a previous value.
 *
 * <p>Stateless; thread-safe.
 */
final class WatchScript {
  private static final Duration BOUND = Duration.ofSeconds(5);

  private WatchScript() {}

  static List<Step> steps() {
    return List.of(
        Step.of("put", "w/a", "1", "-w", "json").marksRevision("w"),
        Step.of("put", "w/b", "2"),
        Step.of("put", "w/a", "3"),
        Step.txn(List.of(), List.of("put w/c 1", "put w/d 2"), List.of()),
        Step.of("del", "w/a"),
        Step.of("put", "w/b", "4"),
        // history: one key, a prefix, a range, with previous values, as JSON
        watch(9, "--rev=<rev:w>", "w/a"),
        watch(21, "--rev=<rev:w>", "--prefix", "w/"),
        watch(12, "--rev=<rev:w+3>", "--prefix", "w/"),
        watch(10, "--rev=<rev:w+1>", "--prev-kv", "w/a"),
        watch(9, "--rev=<rev:w>", "w/b", "w/d"),
        watch(1, "--rev=<rev:w+3>", "--prefix", "w/", "-w", "json"),
        watch(1, "--rev=<rev:w>", "--prev-kv", "w/a", "-w", "json"),
        // nothing to print: a key never written, a revision not yet reached
        Step.bounded(0, Duration.ofMillis(700), "watch", "--rev=<rev:w>", "w/none"),
        Step.bounded(0, Duration.ofMillis(700), "watch", "--rev=<rev:w+100>", "w/a"),
        // live: writes made while the watch runs (from the next revision, so that a watch
        // established late still sees them, from history)
        watch(8, "--rev=<rev:w+6>", "--prefix", "--prev-kv", "w/")
            .whileRunning(List.of("put", "w/live", "1"), List.of("del", "w/b")),
        Step.of("get", "w/", "--prefix", "-w", "json"),
        // compaction: a watch from a compacted revision is cancelled by the server; the
        // compacted revision itself can still be watched from
        Step.of("compaction", "<rev:w+2>"),
        Step.bounded(0, BOUND, "watch", "--rev=<rev:w>", "w/a")
            .failsWith("watch is canceled by the server"),
        Step.bounded(0, BOUND, "watch", "--rev=<rev:w+1>", "--prefix", "w/", "-w", "json")
            .failsWith("watch is canceled by the server"),
        watch(6, "--rev=<rev:w+2>", "w/a"));
  }

  private static Step watch(int lines, String... flags) {
    String[] args = new String[flags.length + 1];
    args[0] = "watch";
    System.arraycopy(flags, 0, args, 1, flags.length);
    return Step.bounded(lines, BOUND, args);
  }
}
