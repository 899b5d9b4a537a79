package io.kvstore.server.differential;

import java.time.Duration;
import java.util.List;

/**
 * The lease part of the differential script: grant (including etcd's minimum and maximum TTL),
 * timetolive with and without keys, list, keys attached with {@code put --lease} and moved
 * between leases, keep-alive, revoke (the keys go in one revision), expiry (likewise, awaited
 * with a history watch that ends at the deletions) and the errors for unknown leases. Lease ids
 * differ between clusters: steps name them by token, {@code <lease-N>} being the Nth lease the
 * cluster's output showed (see {@link OutputNormalizer}). Revisions are those the script itself
 * writes, so it does not depend on the scripts before it.
 *
 * <p>Stateless; thread-safe.
 */
final class LeaseScript {
  private static final String NOT_FOUND = "etcdserver: requested lease not found";
  /** An id no cluster has granted: etcd's generated ids have far more bits. */
  private static final String UNKNOWN = "1234";

  private LeaseScript() {}

  static List<Step> steps() {
    return List.of(
        // <lease-1> and <lease-2>
        Step.of("lease", "grant", "60"),
        Step.of("lease", "grant", "120", "-w", "json"),
        Step.of("lease", "timetolive", "<lease-1>"),
        Step.of("lease", "timetolive", "<lease-2>", "-w", "json"),
        // keys on leases: ls/a and ls/b on <lease-1>, ls/c on <lease-2>, ls/d on none
        Step.of("put", "ls/a", "1", "--lease=<lease-1>", "-w", "json"),
        Step.of("put", "ls/b", "2", "--lease=<lease-1>"),
        Step.of("put", "ls/c", "3", "--lease=<lease-2>"),
        Step.of("put", "ls/d", "4"),
        Step.of("get", "ls/", "--prefix", "-w", "json"),
        Step.of("lease", "timetolive", "<lease-1>", "--keys"),
        Step.of("lease", "timetolive", "<lease-1>", "--keys", "-w", "json"),
        Step.of("lease", "timetolive", "<lease-2>", "--keys"),
        Step.of("lease", "list").unorderedLines(),
        Step.of("lease", "keep-alive", "--once", "<lease-1>"),
        Step.of("lease", "keep-alive", "--once", "<lease-2>", "-w", "json"),
        Step.of("lease", "timetolive", "<lease-1>"),
        // --ignore-lease keeps the lease; a put moves a key to another lease or off any lease
        Step.of("put", "ls/a", "11", "--ignore-lease"),
        Step.of("get", "ls/a", "-w", "json"),
        Step.of("put", "ls/b", "22", "--lease=<lease-2>"),
        Step.of("put", "ls/c", "33"),
        Step.of("lease", "timetolive", "<lease-1>", "--keys"),
        Step.of("lease", "timetolive", "<lease-2>", "--keys"),
        Step.of("get", "ls/", "--prefix", "-w", "json"),
        // revoke: ls/a and ls/b go, each lease's keys in one revision
        Step.of("lease", "revoke", "<lease-1>"),
        Step.of("get", "ls/", "--prefix", "-w", "json"),
        Step.of("lease", "revoke", "<lease-2>"),
        Step.of("get", "ls/", "--prefix", "-w", "json"),
        Step.of("lease", "timetolive", "<lease-1>"),
        Step.of("lease", "timetolive", "<lease-2>", "--keys", "-w", "json"),
        Step.of("lease", "list"),
        // errors
        Step.of("lease", "revoke", "<lease-1>").failsWith(NOT_FOUND),
        Step.of("lease", "revoke", UNKNOWN).failsWith(NOT_FOUND),
        Step.of("lease", "timetolive", UNKNOWN),
        Step.of("lease", "timetolive", UNKNOWN, "--keys"),
        Step.of("lease", "keep-alive", "--once", "<lease-2>").failsWith(NOT_FOUND),
        Step.of("put", "ls/x", "1", "--lease=<lease-1>").failsWith(NOT_FOUND),
        Step.of("put", "ls/x", "1", "--lease=" + UNKNOWN).failsWith(NOT_FOUND),
        Step.of("get", "ls/x"),
        Step.of("lease", "grant", "9000000001").failsWith("etcdserver: too large lease TTL"),
        // the largest TTL etcd grants: <lease-3>
        Step.of("lease", "grant", "9000000000"),
        Step.of("lease", "timetolive", "<lease-3>"),
        Step.of("lease", "list", "-w", "json"),
        Step.of("lease", "revoke", "<lease-3>"),
        // etcd raises a TTL below 1.5 election timeouts (2 s with its defaults): <lease-4>;
        // its keys are deleted in one revision when it expires, which the watch waits for
        Step.of("lease", "grant", "1"),
        Step.of("put", "ls/e", "5", "--lease=<lease-4>", "-w", "json").marksRevision("expiry"),
        Step.of("put", "ls/f", "6", "--lease=<lease-4>"),
        Step.of("lease", "timetolive", "<lease-4>", "--keys"),
        Step.bounded(12, Duration.ofSeconds(8), "watch", "--rev=<rev:expiry>", "ls/e", "ls/g"),
        Step.of("get", "ls/", "--prefix", "-w", "json"),
        Step.of("lease", "timetolive", "<lease-4>", "--keys"),
        Step.of("lease", "list"));
  }
}
