package io.kvstore.kvctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kvctl against etcdctl 3.4 ({@code /usr/bin/etcdctl}): both run with the same arguments against
 * the same 3-member kvstore cluster, and their stdout, stderr (without etcdctl's JSON log lines)
 * and exit codes must be identical, after normalising only what differs by nature between two
 * runs: revisions a write of the other tool moved on, lease ids, remaining TTLs, durations.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KvctlDifferentialTest {
  @TempDir static Path dir;
  static TestCluster cluster;
  static String one;
  static String all;
  static int compared;

  @BeforeAll
  static void start() {
    cluster = new TestCluster(dir);
    one = "--endpoints=" + cluster.endpoint(0);
    all = "--endpoints=" + cluster.endpoints();
    for (String[] kv : new String[][] {{"foo", "bar"}, {"foo2", "bar2"}, {"zoo", "z"},
        {"uni", "\u00e9t\u00e9 <&> \"q\""}, {"nl", "a\nb"}}) {
      assertThat(Runs.etcdctl(dir, one, "put", kv[0], kv[1]).code()).isZero();
    }
  }

  @AfterAll
  static void stop() {
    cluster.close();
    assertThat(compared).isGreaterThan(60);
  }

  private static final Pattern REV = Pattern.compile(
      "(\"(?:revision|mod_revision|create_revision|version)\":|\"(?:Prev)?(?:Revision|ModRevision"
          + "|CreateRevision|Version)\" : )\\d+");

  static String revisions(String s) {
    return REV.matcher(s).replaceAll("$1R");
  }

  static String leases(String s) {
    s = s.replaceAll("lease [0-9a-f]{16}", "lease L");
    s = s.replaceAll("(\"(?:ID|id|lease)\":)\\d+", "$1L");
    s = s.replaceAll("\"(ID|Lease)\" : [1-9]\\d*", "\"$1\" : L");
    s = s.replaceAll("remaining\\(\\d+s\\)", "remaining(Ts)");
    return s.replaceAll("(\"ttl\":|\"TTL\" : )\\d+", "$1T");
  }

  static String took(String s) {
    return s.replaceAll("took = [0-9.]+[µnm]?s", "took = D")
        .replaceAll("\"took\":\"[0-9.]+[µnm]?s\"", "\"took\":\"D\"")
        .replaceAll("\"Took\" : [0-9.]+[µnm]?s", "\"Took\" : D")
        .replaceAll("\\| +[0-9.]+[µnm]?s \\|", "| D |")
        // the took column's width follows the took value
        .replaceAll("-{2,}", "--").replaceAll(" {2,}", " ");
  }

  /** Runs both tools; their normalised results must be equal. Returns kvctl's. */
  static Runs.Result same(UnaryOperator<String> norm, String stdin, String... args) {
    Runs.Result e = Runs.etcdctlIn(dir, stdin, args);
    Runs.Result k = Runs.kvctl(stdin, Map.of(), args);
    String what = String.join(" ", args);
    assertThat(k.code()).as("exit code of %s%netcdctl: %s%nkvctl: %s", what, e, k)
        .isEqualTo(e.code());
    assertThat(norm.apply(k.out())).as("stdout of %s", what).isEqualTo(norm.apply(e.out()));
    assertThat(norm.apply(k.errNoLogs())).as("stderr of %s", what)
        .isEqualTo(norm.apply(e.errNoLogs()));
    compared++;
    return k;
  }

  static Runs.Result same(String... args) {
    return same(s -> s, "", args);
  }

  @Test
  @Order(1)
  void getInEveryFormatAndWithEveryFlag() {
    for (String w : List.of("simple", "json", "fields", "protobuf")) {
      same(one, "get", "foo", "-w", w);
      same(one, "get", "--prefix", "foo", "-w", w);
      same(one, "-w=" + w, "get", "uni");
    }
    same(one, "get", "nl");
    same(one, "get", "nl", "-w", "fields");
    same(one, "get", "foo", "zoo");
    same(one, "get", "--from-key", "foo", "--keys-only");
    same(one, "get", "--from-key", "", "--limit", "2", "-w", "json");
    same(one, "get", "--prefix", "", "--limit=1");
    same(one, "get", "foo", "--print-value-only");
    same(one, "get", "--prefix", "foo", "--sort-by=MODIFY", "--order=DESCEND");
    same(one, "get", "--prefix", "foo", "--sort-by=value", "--order=ascend", "-w", "json");
    same(one, "get", "--prefix", "foo", "--sort-by=CREATE", "--order=DESCEND", "--limit=1");
    same(one, "get", "--prefix", "f", "--sort-by=VERSION");
    same(one, "--hex", "get", "foo");
    same(one, "get", "foo", "--consistency=s", "-w", "json");
    same(one, "get", "foo", "--rev=2");
    same(one, "get", "foo", "--rev=2", "-w", "json");
    same(all, "get", "zoo");
    same(one, "get", "missing", "-w", "json");
  }

  @Test
  @Order(2)
  void badGetArgumentsFailAlike() {
    same(one, "get");
    same(one, "get", "--prefix", "--from-key", "foo");
    same(one, "get", "--prefix", "foo", "zoo");
    same(one, "get", "foo", "--consistency=x");
    same(one, "get", "foo", "--order=sideways");
    same(one, "get", "foo", "--sort-by=size");
    same(one, "get", "foo", "-w", "table");
    same(one, "get", "foo", "-w", "json", "--print-value-only");
    same(one, "get", "foo", "--rev=1000000");
    Runs.Result unknown = Runs.kvctl(one, "get", "foo", "--bogus");
    assertThat(unknown.code()).isEqualTo(Runs.etcdctl(dir, one, "get", "foo", "--bogus").code());
    assertThat(unknown.err()).isEqualTo("Error: unknown flag: --bogus\n");
    assertThat(unknown.out()).isEmpty();
  }

  @Test
  @Order(3)
  void putDelAndTxnPrintAlike() {
    UnaryOperator<String> norm = KvctlDifferentialTest::revisions;
    same(norm, "", one, "put", "p1", "v1");
    same(norm, "", one, "put", "p1", "v1", "-w", "json");
    same(norm, "", one, "put", "p1", "v1", "--prev-kv");
    same(norm, "", one, "put", "p1", "--ignore-value", "--prev-kv", "-w", "fields");
    same(norm, "value from stdin", one, "put", "p2");
    same(norm, "", one, "put", "p3", "--", "-dash");
    same(norm, "", one, "put");
    same(norm, "", one, "put", "p1", "v", "--lease=zz");
    same(norm, "", one, "put", "p1", "v", "--lease=123");
    same(norm, "", one, "put", "p1", "--ignore-value", "v");
    same(norm, "", one, "del", "nothing");
    same(norm, "", one, "del", "nothing", "-w", "json");
    same(norm, "", one, "del");
    same(norm, "", one, "del", "--prefix", "--from-key", "a");
    // del of existing keys: each tool deletes its own copy of the same data
    for (String tool : List.of("etcdctl", "kvctl")) {
      assertThat(Runs.etcdctl(dir, one, "put", "d/a", "1").code()).isZero();
      assertThat(Runs.etcdctl(dir, one, "put", "d/b", "2").code()).isZero();
      String[] args = {one, "del", "--prefix", "d/", "--prev-kv", "-w", "json"};
      Runs.Result r = tool.equals("etcdctl") ? Runs.etcdctl(dir, args) : Runs.kvctl(args);
      assertThat(revisions(r.out())).as(tool).isEqualTo(revisions(
          "{\"header\":{\"cluster_id\":CID,\"member_id\":MID,\"revision\":0,\"raft_term\":T},"
              .replace("CID", cid()).replace("MID", mid()).replace("T", term())
              + "\"deleted\":2,\"prev_kvs\":[{\"key\":\"ZC9h\",\"create_revision\":0,"
              + "\"mod_revision\":0,\"version\":1,\"value\":\"MQ==\"},{\"key\":\"ZC9i\","
              + "\"create_revision\":0,\"mod_revision\":0,\"version\":1,\"value\":\"Mg==\"}]}\n"));
    }
    String txn = "mod(\"foo\") > \"0\"\nval(\"foo\") = \"bar\"\n\nput t1 x\nget foo\n"
        + "del nothing\n\nput t2 y\n\n";
    for (String w : List.of("simple", "json", "fields")) {
      same(norm, txn, one, "txn", "-w", w);
    }
    same(norm, txn, one, "txn", "-i");
    same(norm, "version(\"foo\") = \"99\"\n\nput t1 x\n\nget foo --prefix\nget zoo\n\n",
        one, "txn");
    same(norm, "create(\"foo\") < \"1\"\nc(\"foo\") != \"1\"\nm(\"foo\") = \"2\"\n"
        + "ver(\"foo\") > \"0\"\nvalue(\"foo\") != \"x\"\n\n\n\n", one, "txn", "-w", "json");
    same(norm, "mod(\"foo\") > \"0\"\n\n", one, "txn");
    same(norm, "bogus(\"foo\") > \"0\"\n\n\n\n", one, "txn");
    same(norm, "mod(foo) > 0\n\n\n\n", one, "txn");
    same(norm, "\nfrob x\n\n\n", one, "txn");
    same(norm, "\nput\n\n\n", one, "txn");
    same(norm, "", one, "txn", "extra");
  }

  private static String header(String field) {
    Runs.Result r = Runs.etcdctl(dir, one, "get", "foo", "-w", "json");
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(r.out());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static String cid() {
    return header("cluster_id");
  }

  private static String mid() {
    return header("member_id");
  }

  private static String term() {
    return header("raft_term");
  }

  @Test
  @Order(4)
  void leaseCommandsPrintAlike() {
    UnaryOperator<String> norm = s -> leases(revisions(s));
    for (String w : List.of("simple", "json", "fields")) {
      same(norm, "", one, "lease", "grant", "100", "-w", w);
    }
    Runs.Result granted = Runs.etcdctl(dir, one, "lease", "grant", "300");
    String id = granted.out().split(" ")[1];
    assertThat(Runs.etcdctl(dir, one, "put", "leased", "v", "--lease=" + id).code()).isZero();
    for (String w : List.of("simple", "json", "fields")) {
      same(norm, "", one, "lease", "timetolive", id, "--keys", "-w", w);
      same(norm, "", one, "lease", "timetolive", id, "-w", w);
      same(norm, "", one, "lease", "keep-alive", "--once", id, "-w", w);
    }
    same(norm, "", one, "lease", "timetolive", "1234");
    same(norm, "", one, "lease", "timetolive", "1234", "-w", "json");
    same(norm, "", one, "lease", "revoke", "1234");
    same(norm, "", one, "lease", "keep-alive", "--once", "1234");
    same(norm, "", one, "lease", "revoke", "zz");
    same(norm, "", one, "lease", "revoke");
    same(norm, "", one, "lease", "timetolive");
    same(norm, "", one, "lease", "grant", "ten");
    same(norm, "", one, "lease", "grant");
    same(norm, "", one, "lease", "keep-alive");
    same(norm, "", one, "lease", "list");
    same(norm, "", one, "lease", "list", "-w", "json");
    // revoke: etcdctl revokes one lease, kvctl another, same output
    String other = Runs.etcdctl(dir, one, "lease", "grant", "300").out().split(" ")[1];
    Runs.Result e = Runs.etcdctl(dir, one, "lease", "revoke", id);
    Runs.Result k = Runs.kvctl(one, "lease", "revoke", other);
    assertThat(leases(k.out())).isEqualTo(leases(e.out())).isEqualTo("lease L revoked\n");
    assertThat(k.code()).isZero();
    same(norm, "", one, "lease", "timetolive", id);
  }

  @Test
  @Order(5)
  void clusterAndEndpointCommandsPrintAlike() {
    UnaryOperator<String> anyMember = s -> s.replaceAll("(\"member_id\":|\"MemberID\" : )\\d+",
        "$1M");
    for (String w : List.of("simple", "json", "fields", "table")) {
      same(anyMember, "", all, "member", "list", "-w", w);
      same(all, "endpoint", "status", "-w", w);
      same(all, "endpoint", "hashkv", "-w", w);
    }
    same(one, "endpoint", "status", "--cluster");
    same(one, "endpoint", "hashkv", "--rev=3", "-w", "json");
    same(anyMember, "", all, "alarm", "list");
    same(anyMember, "", all, "alarm", "list", "-w", "json");
    same(all, "alarm", "disarm");
    same(all, "alarm", "list", "extra");
    UnaryOperator<String> norm = KvctlDifferentialTest::took;
    for (String w : List.of("simple", "json", "fields", "table")) {
      same(norm, "", one, "endpoint", "health", "-w", w);
    }
    same(all, "defrag");
    same(one, "defrag", "--cluster");
    same(all, "member", "remove", "zz");
    same(all, "member", "remove");
    same(all, "member", "remove", "1234");
    same(all, "member", "promote", "1234");
    same(all, "member", "update", "1234");
    same(all, "member", "update", "1234", "--peer-urls=http://127.0.0.1:1");
    same(all, "member", "add");
    same(all, "member", "add", "m9");
    same(all, "member", "add", "m9", "http://127.0.0.1:1");
    same(all, "move-leader");
    same(all, "move-leader", "xyz");
    same(all, "snapshot", "save", dir.resolve("x.db").toString());
    same(all, "snapshot", "save");
    same(one, "compaction");
    same(one, "compaction", "abc");
    same(one, "-w", "yaml", "get", "foo");
    same(one, "--command-timeout=1s", "--endpoints=127.0.0.1:1", "get", "foo");
    same(one, "--command-timeout=1s", "--endpoints=127.0.0.1:1", "put", "foo", "x");
  }

  @Test
  @Order(6)
  void compactionPrintsAlike() {
    Runs.Result k = Runs.kvctl(one, "compaction", "3");
    assertThat(k.out()).isEqualTo("compacted revision 3\n");
    assertThat(k.code()).isZero();
    same(one, "compaction", "3");
    same(one, "compaction", "2", "--physical");
    same(one, "get", "foo", "--rev=2");
  }

  @Test
  @Order(7)
  void snapshotSaveAndDefragAndMoveLeader() {
    Runs.Result e = Runs.etcdctl(dir, one, "snapshot", "save", dir.resolve("e.db").toString());
    Runs.Result k = Runs.kvctl(one, "snapshot", "save", dir.resolve("k.db").toString());
    assertThat(k.out()).isEqualTo(e.out().replace("e.db", "k.db"));
    assertThat(k.code()).isEqualTo(e.code()).isZero();
    assertThat(k.err()).isEmpty();
    Runs.Result st = Runs.kvctl("snapshot", "status", dir.resolve("k.db").toString(), "-w",
        "json");
    assertThat(st.code()).as(st.toString()).isZero();
    String rev = Runs.kvctl(one, "get", "foo", "-w", "json").out()
        .replaceAll("(?s).*?\"revision\":(\\d+).*", "$1").strip();
    assertThat(st.out()).matches("\\{\"hash\":\\d+,\"revision\":" + rev
        + ",\"totalKey\":\\d+,\"totalSize\":\\d+}\n");
    // kvctl reads etcdctl's file too: the same stream
    Runs.Result st2 = Runs.kvctl("snapshot", "status", dir.resolve("e.db").toString());
    assertThat(st2.out()).matches("[0-9a-f]+, " + rev + ", \\d+, [0-9.]+ [kM]?B\n");
    Runs.Result table = Runs.kvctl("snapshot", "status", dir.resolve("k.db").toString(), "-w",
        "table");
    assertThat(table.out()).contains("|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |"
        .replace("|   HASH   |", "|").substring(0, 1));
    assertThat(table.out().lines().toList().get(1)).contains("HASH").contains("REVISION")
        .contains("TOTAL KEYS").contains("TOTAL SIZE");
    Runs.Result missing = Runs.kvctl("snapshot", "status", dir.resolve("none.db").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo(Runs.etcdctl(dir, "snapshot", "status",
        dir.resolve("none.db").toString()).errNoLogs());

    // move-leader: etcdctl moves it to member 2, kvctl moves it back to member 1
    String leaderLine = Runs.kvctl(all, "endpoint", "status").out();
    List<String> ids = new ArrayList<>();
    String leader = null;
    for (String line : leaderLine.lines().toList()) {
      String[] f = line.split(", ");
      ids.add(f[1]);
      if (f[4].equals("true")) {
        leader = f[1];
      }
    }
    assertThat(leader).isNotNull();
    String target = ids.stream().filter(i -> !i.equals(ids.get(0))).findFirst().orElseThrow();
    String first = leader;
    Runs.Result em = Runs.etcdctl(dir, all, "move-leader", target.equals(first) ? ids.get(0)
        : target);
    assertThat(em.code()).as(em.toString()).isZero();
    String now = em.out().replaceAll("Leadership transferred from \\w+ to (\\w+)\n", "$1");
    Runs.Result km = Runs.kvctl(all, "move-leader", first);
    assertThat(km.out()).isEqualTo("Leadership transferred from " + now + " to " + first + "\n");
    assertThat(km.code()).isZero();
  }

  @Test
  @Order(8)
  void memberAddUpdatePromoteRemove() {
    int port = 20000 + (int) (Math.random() * 9000);
    Runs.Result add = Runs.kvctl(all, "member", "add", "m4",
        "--peer-urls=http://127.0.0.1:" + port, "--learner");
    assertThat(add.code()).as(add.toString()).isZero();
    List<String> lines = add.out().lines().toList();
    assertThat(lines.get(0)).matches("Member +[0-9a-f]{1,16} added to cluster +[0-9a-f]{1,16}");
    String id = lines.get(0).split(" +")[1];
    assertThat(lines.subList(1, lines.size())).containsExactly("",
        "ETCD_NAME=\"m4\"",
        "ETCD_INITIAL_CLUSTER=\"" + initialCluster(id, port) + "\"",
        "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"http://127.0.0.1:" + port + "\"",
        "ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
    same(all, "member", "list");
    same(all, "member", "list", "-w", "table");
    same(all, "member", "promote", id);
    Runs.Result upd = Runs.kvctl(all, "member", "update", id,
        "--peer-urls=http://127.0.0.1:" + (port + 1));
    assertThat(upd.out()).matches("Member +" + id + " updated in cluster +[0-9a-f]+\n");
    same(s -> s.replaceAll("\"member_id\":\\d+", "M"), "", all, "member", "list", "-w", "json");
    same(all, "member", "update", id, "--peer-urls=http://127.0.0.1:" + (port + 1), "-w",
        "fields");
    Runs.Result rm = Runs.kvctl(all, "member", "remove", id);
    assertThat(rm.out()).matches("Member +" + id + " removed from cluster +[0-9a-f]+\n");
    assertThat(rm.code()).isZero();
    same(all, "member", "remove", id);
  }

  /** The ETCD_INITIAL_CLUSTER etcdctl would print: every member's name=peer-url. */
  private static String initialCluster(String newId, int port) {
    List<String> parts = new ArrayList<>();
    String json = Runs.etcdctl(dir, all, "member", "list").out();
    for (String line : json.lines().toList()) {
      String[] f = line.split(", ");
      parts.add((f[0].equals(newId) ? "m4" : f[2]) + "=" + f[3]);
    }
    return String.join(",", parts);
  }

  @Test
  @Order(9)
  void watchPrintsAlike() throws Exception {
    String rev = Runs.kvctl(one, "put", "w/1", "a", "-w", "json").out()
        .replaceAll("(?s).*?\"revision\":(\\d+).*", "$1").strip();
    assertThat(Runs.kvctl(one, "put", "w/2", "b").code()).isZero();
    assertThat(Runs.kvctl(one, "del", "w/1").code()).isZero();
    String[] args = {one, "watch", "--prefix", "w/", "--rev=" + rev, "--prev-kv"};
    assertThat(Watching.kvctl(11, args)).isEqualTo(Watching.etcdctl(dir, 11, args))
        .isEqualTo("PUT\nw/1\na\nPUT\nw/2\nb\nDELETE\nw/1\na\nw/1\n\n");
    compared++;
    String[] exec = {one, "watch", "w/2", "--rev=" + rev, "--", "sh", "-c",
        "echo $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"};
    assertThat(Watching.kvctl(4, exec)).isEqualTo(Watching.etcdctl(dir, 4, exec));
    compared++;
    String[] json = {one, "watch", "w/1", "--rev=" + rev, "-w", "json"};
    assertThat(Watching.kvctl(1, json)).isEqualTo(Watching.etcdctl(dir, 1, json))
        .contains("\"type\":1");
    compared++;
    same(one, "watch");
    same(one, "watch", "--prefix", "a", "b");
  }

  @Test
  @Order(10)
  void lockAndElectInteroperateWithEtcdctl() throws Exception {
    Runs.Result k = Runs.kvctl(one, "lock", "mylock", "--", "sh", "-c", "echo $ETCD_LOCK_KEY");
    Runs.Result e = Runs.etcdctl(dir, one, "lock", "mylock", "--", "sh", "-c",
        "echo $ETCD_LOCK_KEY");
    assertThat(k.code()).as(k.toString()).isZero();
    assertThat(k.out().replaceAll("[0-9a-f]+\n", "L\n"))
        .isEqualTo(e.out().replaceAll("[0-9a-f]+\n", "L\n")).isEqualTo("mylock/L\n");
    same(one, "lock");
    same(one, "elect");
    same(one, "elect", "e1");
    same(one, "elect", "-l", "e1", "p");

    // kvctl campaigns and wins; etcdctl observes kvctl's leadership
    Watching.InProcess campaign = Watching.start(one, "elect", "e1", "kv-proposal");
    List<String> won = campaign.await(2);
    assertThat(won.get(0)).startsWith("e1/");
    assertThat(won.get(1)).isEqualTo("kv-proposal");
    assertThat(Watching.etcdctlLines(dir, 2, one, "elect", "-l", "e1")).isEqualTo(won);
    // kvctl's observer sees the same leader
    Watching.InProcess observer = Watching.start(one, "elect", "-l", "e1");
    assertThat(observer.await(2)).isEqualTo(won);
    // kvctl holding a lock makes etcdctl wait; on Ctrl-C (interrupt) kvctl releases it
    Watching.InProcess holder = Watching.start(one, "lock", "held");
    String heldKey = holder.await(2).get(0);
    assertThat(heldKey).startsWith("held/");
    assertThat(Runs.etcdctl(dir, one, "get", "--prefix", "held/", "--keys-only").out())
        .isEqualTo(heldKey + "\n\n");
    holder.interrupt();
    assertThat(Runs.etcdctl(dir, one, "lock", "held", "echo", "got it").out())
        .isEqualTo("got it\n");
    campaign.interrupt();
    observer.interrupt();
  }

  @Test
  @Order(11)
  void environmentCompletionVersionAndCheckPerf() {
    Runs.Result env = Runs.kvctl("", Map.of("ETCDCTL_ENDPOINTS", cluster.endpoint(1)), "get",
        "zoo", "--print-value-only");
    assertThat(env.out()).isEqualTo("z\n");
    Runs.Result env2 = Runs.kvctl("", Map.of("KVCTL_ENDPOINTS", cluster.endpoints(),
        "ETCDCTL_WRITE_OUT", "json"), "get", "foo");
    assertThat(env2.out()).startsWith("{\"header\":");
    Runs.Result completion = Runs.kvctl("completion", "bash");
    assertThat(completion.code()).isZero();
    assertThat(completion.out()).contains("complete -F").contains("kvctl");
    assertThat(Runs.kvctl("version").out()).isEqualTo("kvctl version: " + Kvctl.VERSION
        + "\nAPI version: 3.4\n");
    Runs.Result help = Runs.kvctl();
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("snapshot").contains("move-leader");
    Runs.Result badLoad = Runs.kvctl(one, "check", "perf", "--load", "huge");
    assertThat(badLoad.err()).isEqualTo(Runs.etcdctl(dir, one, "check", "perf", "--load",
        "huge").errNoLogs());
    assertThat(badLoad.code()).isEqualTo(ExitCodes.BAD_FEATURE);
    Runs.Result perf = Runs.kvctl(all, "check", "perf", "--duration-seconds=3");
    List<String> lines = perf.out().lines().toList();
    assertThat(lines.get(0)).matches("(PASS: Throughput is|FAIL: Throughput too low:) \\d+ "
        + "writes/s");
    assertThat(lines.get(1)).matches("(PASS: Slowest request took|Slowest request took too "
        + "long:) \\d+\\.\\d{6}s");
    assertThat(lines.get(2)).matches("(PASS: Stddev is|Stddev too high:) \\d+\\.\\d{6}s");
    assertThat(lines.get(3)).isIn("PASS", "FAIL");
    assertThat(perf.code()).isEqualTo(lines.get(3).equals("PASS") ? 0 : 1);
    assertThat(Runs.kvctl(one, "get", "--prefix", "/etcdctl-check-perf/", "--keys-only").out())
        .isEmpty();
  }
}
