package io.kvstore.server.differential;

import java.util.List;

/**
 * The cluster and maintenance part of the differential script: member list, endpoint status,
 * health and hashkv (each member, and {@code --cluster}, which finds the members through the
 * member list), alarms, defragmentation, snapshot save and leader transfer. Commands that print
 * one line per member in an order that depends on timing or on member ids compare their lines
 * sorted. It runs last: it moves the leadership.
 *
 * <p>Not compared: {@code snapshot status}, which opens the saved file as etcd's bbolt database
 * (kvstore's snapshot is its own format); {@code -w table} output (column widths follow values
 * that are normalised); {@code endpoint health -w json} (members in order of answer).
 *
 * <p>Stateless; thread-safe.
 */
final class ClusterScript {
  private ClusterScript() {}

  static List<Step> steps() {
    return List.of(
        Step.of("put", "c/a", "1", "-w", "json").marksRevision("c"),
        Step.of("put", "c/b", "2"),
        Step.of("member", "list").unorderedLines(),
        Step.of("member", "list", "-w", "json"),
        Step.of("endpoint", "health").unorderedLines(),
        Step.of("endpoint", "health", "--cluster").unorderedLines(),
        Step.of("endpoint", "status").unorderedLines(),
        Step.of("endpoint", "status", "--cluster").unorderedLines(),
        Step.of("endpoint", "status", "-w", "json"),
        // hashes differ from etcd's (storage format) but not between the members of a cluster
        Step.of("endpoint", "hashkv"),
        Step.of("endpoint", "hashkv", "-w", "json"),
        Step.of("endpoint", "hashkv", "--cluster").unorderedLines(),
        Step.of("endpoint", "hashkv", "--rev=<rev:c>", "-w", "json"),
        Step.of("alarm", "list"),
        Step.of("alarm", "list", "-w", "json"),
        Step.of("alarm", "disarm"),
        Step.of("defrag"),
        Step.of("defrag", "--cluster"),
        Step.of("endpoint", "status", "-w", "json"),
        Step.of("get", "c/", "--prefix", "-w", "json"),
        Step.of("snapshot", "save", "snap.db").onEndpoint(0),
        Step.of("snapshot", "save", "snap.db")
            .failsWith("snapshot must be requested to one selected node, not multiple"),
        Step.of("move-leader", "1234").failsWith("etcdserver: bad leader transferee"),
        Step.of("move-leader", "<follower-id>"),
        Step.of("put", "c/c", "3", "-w", "json"),
        Step.of("endpoint", "status").unorderedLines(),
        Step.of("get", "c/", "--prefix", "--keys-only"),
        // after the other steps, so that every member applied the put before it hashes
        Step.of("endpoint", "hashkv"));
  }
}
