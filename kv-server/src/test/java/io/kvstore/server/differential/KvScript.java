package io.kvstore.server.differential;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The KV part of the differential script: put, get, del, txn and compaction with their options
 * and error cases, as etcdctl 3.4 exposes them. It assumes a fresh cluster (store revision 1), so
 * the revisions named in {@code --rev} and {@code compaction} steps are the ones the earlier steps
 * produce; the comments give the revisions the writes create. etcdctl 3.4 has no {@code
 * --count-only}; counts are checked through {@code -w json} and {@code -w fields}.
 *
 * <p>Stateless; thread-safe.
 */
final class KvScript {
  /** etcd's default {@code --max-txn-ops}. */
  private static final int MAX_TXN_OPS = 128;
  private static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  private static final String FUTURE = "etcdserver: mvcc: required revision is a future revision";
  private static final String DUPLICATE = "etcdserver: duplicate key given in txn request";

  private KvScript() {}

  static List<Step> steps() {
    return List.of(
        // puts: revisions 2..10 (a put with --ignore-value is a write too)
        Step.of("put", "kv/a", "1"),
        Step.of("put", "kv/b", "2"),
        Step.of("put", "kv/c", "3"),
        Step.of("put", "kv/a", "10"),
        Step.of("put", "kv/d", "4", "-w", "json"),
        Step.of("put", "kv/b", "20", "--prev-kv"),
        Step.of("put", "kv/b", "21", "--prev-kv", "-w", "json"),
        Step.of("put", "kv/c", "--ignore-value"),
        Step.of("put", "kv/e", "5", "-w", "fields"),
        // put errors
        Step.of("put", "kv/none", "--ignore-value").failsWith("etcdserver: key not found"),
        Step.of("put", "kv/c", "x", "--ignore-value")
            .failsWith("put command needs only 1 argument when 'ignore-value' is set"),
        Step.of("put", "", "x").failsWith("etcdserver: key is not provided"),
        // gets
        Step.of("get", "kv/a"),
        Step.of("get", "kv/", "--prefix"),
        Step.of("get", "kv/c", "--from-key"),
        Step.of("get", "", "--from-key", "--keys-only"),
        Step.of("get", "kv/a", "kv/c"),
        Step.of("get", "kv/", "--prefix", "--limit=2"),
        Step.of("get", "kv/", "--prefix", "--limit=2", "-w", "json"),
        Step.of("get", "kv/a", "--rev=2"),
        Step.of("get", "kv/a", "--rev=4", "-w", "json"),
        Step.of("get", "kv/", "--prefix", "--rev=4", "-w", "fields"),
        Step.of("get", "kv/", "--prefix", "--sort-by=KEY", "--order=DESCEND"),
        Step.of("get", "kv/", "--prefix", "--sort-by=CREATE", "--order=DESCEND"),
        Step.of("get", "kv/", "--prefix", "--sort-by=MODIFY"),
        Step.of("get", "kv/", "--prefix", "--sort-by=MODIFY", "--order=DESCEND", "--limit=3"),
        Step.of("get", "kv/", "--prefix", "--sort-by=VALUE", "--order=DESCEND"),
        // versions a=2, b=3, c=2, d=1, e=1: etcd keeps ties in key order, both directions
        Step.of("get", "kv/", "--prefix", "--sort-by=VERSION"),
        Step.of("get", "kv/", "--prefix", "--sort-by=VERSION", "--order=DESCEND"),
        Step.of("get", "kv/", "--prefix", "--order=DESCEND"),
        Step.of("get", "kv/", "--prefix", "--keys-only"),
        Step.of("get", "kv/", "--prefix", "--keys-only", "-w", "json"),
        Step.of("get", "kv/", "--prefix", "--print-value-only"),
        Step.of("get", "kv/", "--prefix", "-w", "json"),
        Step.of("get", "kv/", "--prefix", "--limit=1", "-w", "fields"),
        Step.of("get", "kv/a", "--hex"),
        Step.of("get", "kv/zzz"),
        Step.of("get", "kv/zzz", "-w", "json"),
        // get errors
        Step.of("get", "kv/a", "--rev=1000").failsWith(FUTURE),
        Step.of("get", "kv/a", "--sort-by=SIZE").failsWith("bad sort target SIZE"),
        // txns: 11 (success branch), 12 (failure branch), 13 (json), 14 (no compares); the
        // fifth only reads and adds no revision
        Step.txn(
            List.of("value(\"kv/a\") = \"10\"", "version(\"kv/b\") = \"3\"",
                "create(\"kv/c\") = \"4\"", "mod(\"kv/d\") = \"6\""),
            List.of("put kv/t1 yes", "get kv/a"),
            List.of("put kv/t1 no")),
        Step.txn(
            List.of("value(\"kv/a\") != \"10\""),
            List.of("put kv/t2 yes"),
            List.of("put kv/t2 no", "del kv/t1", "get kv/t1"),
            "-w", "fields"),
        Step.txn(
            List.of("mod(\"kv/a\") < \"6\"", "create(\"kv/b\") > \"2\"",
                "version(\"kv/zzz\") = \"0\""),
            List.of("put kv/t3 yes --prev-kv", "get kv/ --prefix --limit=2",
                "del kv/t2 --prev-kv"),
            List.of(),
            "-w", "json"),
        Step.txn(List.of(), List.of("put kv/t4 yes"), List.of()),
        Step.txn(List.of("value(\"kv/missing\") = \"x\""), List.of("put kv/t5 yes"),
            List.of("get kv/t5"), "-w", "json"),
        // the largest txn etcd accepts (15), then one operation too many
        Step.txn(List.of(), puts("kv/many/", MAX_TXN_OPS), List.of()),
        Step.of("get", "kv/many/", "--prefix", "--limit=2", "-w", "json"),
        Step.txn(List.of(), puts("kv/many/", MAX_TXN_OPS + 1), List.of())
            .failsWith("etcdserver: too many operations in txn request"),
        // the limit applies to each branch, not to their sum: the failure branch runs (16)
        Step.txn(List.of("value(\"kv/a\") = \"none\""), puts("kv/yes/", MAX_TXN_OPS),
            puts("kv/no/", MAX_TXN_OPS)),
        // a key written twice in one branch, whichever branch would run
        Step.txn(List.of(), List.of("put kv/dup 1", "put kv/dup 2"), List.of())
            .failsWith(DUPLICATE),
        Step.txn(List.of(), List.of("put kv/dup 1", "del kv/dup"), List.of())
            .failsWith(DUPLICATE),
        Step.txn(List.of("value(\"kv/a\") = \"10\""), List.of("put kv/x 1"),
            List.of("put kv/dup 1", "del kv/ --prefix")).failsWith(DUPLICATE),
        // deletes: deleting nothing adds no revision; 17..20
        Step.of("del", "kv/missing"),
        Step.of("del", "kv/missing", "-w", "json"),
        Step.of("del", "kv/a", "--prev-kv"),
        Step.of("del", "kv/many/", "--prefix"),
        Step.of("del", "kv/no/", "--prefix", "-w", "json"),
        Step.of("del", "kv/t", "--prefix", "--prev-kv", "-w", "json"),
        Step.of("get", "", "--from-key", "-w", "json"),
        // compaction
        Step.of("compaction", "8"),
        Step.of("get", "kv/b", "--rev=7").failsWith(COMPACTED),
        Step.of("get", "kv/b", "--rev=8", "-w", "json"),
        Step.of("compaction", "6").failsWith(COMPACTED),
        Step.of("compaction", "8").failsWith(COMPACTED),
        Step.of("compaction", "1000").failsWith(FUTURE),
        Step.of("compaction", "12", "--physical"),
        Step.of("get", "kv/", "--prefix", "--rev=11", "--keys-only").failsWith(COMPACTED),
        Step.of("get", "kv/", "--prefix", "--rev=12", "-w", "json"),
        Step.of("put", "kv/last", "1", "-w", "json"),
        Step.of("get", "kv/", "--prefix", "-w", "fields"));
  }

  /** {@code count} txn operations putting distinct keys under {@code prefix}. */
  private static List<String> puts(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> String.format("put %s%03d v", prefix, i))
        .toList();
  }
}
