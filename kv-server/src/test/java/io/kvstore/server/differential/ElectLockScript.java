package io.kvstore.server.differential;

import java.time.Duration;
import java.util.List;

/**
 * The election and lock part of the differential script: {@code etcdctl elect} and {@code etcdctl
 * lock}, which run etcd's {@code concurrency} recipes in the client over KV, Lease and Watch
 * (create-revision compares, prefix reads sorted by create revision with a maximum create
 * revision, watches from a revision). A command run under the lock sees the lock's revision in
 * {@code ETCD_LOCK_REV}; it prints it relative to a revision the script wrote ({@code <rev:l>}),
 * so the script does not depend on the scripts before it. Holding a lock or a leadership does not
 * end by itself, so those are bounded steps stopped with SIGTERM, on which etcdctl unlocks or
 * resigns; with {@code -w fields} they print the key's fields, where the key's lease id (a
 * session lease etcdctl granted) is learnt from {@code "Lease"} and normalised in the key too.
 * A contender waits behind a plain key created before it, deleted while it waits. (A command
 * run under the lock ends the step by itself, which a bounded step must not, so the contended
 * lock prints its key instead.)
 *
 * <p>Stateless; thread-safe.
 */
final class ElectLockScript {
  private static final Duration BOUND = Duration.ofSeconds(8);
  /** {@code -w fields} output of one key: header (4), key fields (6), More and Count. */
  private static final int FIELDS_LINES = 12;

  private ElectLockScript() {}

  static List<Step> steps() {
    return List.of(
        // lock with a command: it runs while the lock is held, then the lock is released
        Step.of("put", "el/base", "x", "-w", "json").marksRevision("l"),
        Step.of("lock", "el-lock", "echo", "held"),
        Step.of("lock", "el-lock", "--", "sh", "-c", "echo rev $((ETCD_LOCK_REV - <rev:l>))"),
        Step.of("get", "el-lock/", "--prefix", "-w", "json"),
        // lock held until stopped: the lock key, with the session lease
        Step.bounded(FIELDS_LINES, BOUND, "-w", "fields", "lock", "el-lock"),
        Step.of("get", "el-lock/", "--prefix", "--keys-only"),
        // a contender waits behind an earlier key and takes the lock once it is deleted
        Step.of("put", "el-q/00", "holder"),
        Step.bounded(FIELDS_LINES, BOUND, "-w", "fields", "lock", "el-q")
            .whileRunning(List.of("del", "el-q/00")),
        Step.of("get", "el-q/", "--prefix", "-w", "json"),
        // elect: campaign on an empty election, resign when stopped
        Step.bounded(FIELDS_LINES, BOUND, "-w", "fields", "elect", "el-e", "proposal-1"),
        Step.of("get", "el-e/", "--prefix", "--keys-only"),
        // a candidate behind an earlier key is elected once that key is deleted
        Step.of("put", "el-c/00", "first"),
        Step.bounded(FIELDS_LINES, BOUND, "-w", "fields", "elect", "el-c", "second")
            .whileRunning(List.of("del", "el-c/00")),
        Step.of("get", "el-c/", "--prefix", "--keys-only"),
        // observe: nothing without a leader; then the leader, its new value and the next
        // leader once it is deleted
        Step.bounded(0, Duration.ofMillis(700), "elect", "-l", "el-none"),
        Step.of("put", "el-o/1", "v1"),
        Step.of("put", "el-o/2", "w"),
        Step.bounded(6, BOUND, "elect", "-l", "el-o")
            .whileRunning(List.of("put", "el-o/1", "v2"), List.of("del", "el-o/1")),
        Step.of("del", "el-", "--prefix"));
  }
}
