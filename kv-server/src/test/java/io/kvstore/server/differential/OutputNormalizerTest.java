package io.kvstore.server.differential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The normalisation rules, on output captured from etcdctl 3.4.23 against etcd 3.4.23. */
class OutputNormalizerTest {
  private final OutputNormalizer normalizer = new OutputNormalizer(
      List.of("127.0.0.1:31000", "127.0.0.1:31010", "127.0.0.1:31020"),
      List.of("127.0.0.1:31001", "127.0.0.1:31011", "127.0.0.1:31021"));

  @Test
  void jsonHeaderKeepsRevisionsAndData() {
    String out = normalizer.normalize("{\"header\":{\"cluster_id\":9187766106936938853,"
        + "\"member_id\":10724788031628834051,\"revision\":4,\"raft_term\":2},\"kvs\":[{\"key\":"
        + "\"YQ==\",\"create_revision\":2,\"mod_revision\":2,\"version\":1,\"value\":\"MQ==\"}],"
        + "\"count\":1}\n");

    assertThat(out).isEqualTo("{\"header\":{\"cluster_id\":<cluster-id>,\"member_id\":"
        + "<member-id>,\"revision\":4,\"raft_term\":<raft-term>},\"kvs\":[{\"key\":\"YQ==\","
        + "\"create_revision\":2,\"mod_revision\":2,\"version\":1,\"value\":\"MQ==\"}],"
        + "\"count\":1}\n");
  }

  @Test
  void fieldsKeepZeroIdsOfNestedTxnHeaders() {
    String out = normalizer.normalize("\"ClusterID\" : 9187766106936938853\n"
        + "\"MemberID\" : 5989505053687335826\n\"Revision\" : 7\n\"RaftTerm\" : 2\n"
        + "\"Succeeded\" : false\n\"ClusterID\" : 0\n\"MemberID\" : 0\n\"Revision\" : 7\n"
        + "\"RaftTerm\" : 0\n\"Deleted\" : 0\n");

    assertThat(out).isEqualTo("\"ClusterID\" : <cluster-id>\n\"MemberID\" : <member-id>\n"
        + "\"Revision\" : 7\n\"RaftTerm\" : <raft-term>\n\"Succeeded\" : false\n"
        + "\"ClusterID\" : 0\n\"MemberID\" : 0\n\"Revision\" : 7\n\"RaftTerm\" : 0\n"
        + "\"Deleted\" : 0\n");
  }

  @Test
  void grpcWarningKeepsCodeAndErrorText() {
    String out = normalizer.normalize("{\"level\":\"warn\",\"ts\":\"2026-11-22T03:11:36.458Z\","
        + "\"caller\":\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker"
        + " failed\",\"target\":\"endpoint://client-4ce208ae-810d-4c46-8b84-cf4b680a4f57/"
        + "127.0.0.1:31010\",\"attempt\":0,\"error\":\"rpc error: code = OutOfRange desc ="
        + " etcdserver: mvcc: required revision is a future revision\"}\n"
        + "Error: etcdserver: mvcc: required revision is a future revision\n");

    assertThat(out).isEqualTo("{\"level\":\"warn\",\"ts\":\"<timestamp>\",\"caller\":"
        + "\"clientv3/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\","
        + "\"target\":\"endpoint://client-<uuid>/<client-address>\",\"attempt\":0,\"error\":"
        + "\"rpc error: code = OutOfRange desc = etcdserver: mvcc: required revision is a future"
        + " revision\"}\nError: etcdserver: mvcc: required revision is a future revision\n");
  }

  @Test
  void leasesAreNumberedInOrderOfAppearanceInEveryForm() {
    assertThat(normalizer.normalize("lease 7503a2013cd5fe15 granted with TTL(100s)\n"))
        .isEqualTo("lease <lease-1> granted with TTL(100s)\n");
    assertThat(normalizer.normalize("{\"cluster_id\":9187766106936938853,\"member_id\":"
        + "5989505053687335826,\"revision\":8,\"raft_term\":2,\"ID\":5445593025643675146,"
        + "\"TTL\":100,\"Error\":\"\"}\n"))
        .isEqualTo("{\"cluster_id\":<cluster-id>,\"member_id\":<member-id>,\"revision\":8,"
            + "\"raft_term\":<raft-term>,\"ID\":<lease-2>,\"TTL\":100,\"Error\":\"\"}\n");
    assertThat(normalizer.normalize("found 2 leases\n7503a2013cd5fe15\n4b92a2013cd5fe0a\n"))
        .isEqualTo("found 2 leases\n<lease-1>\n<lease-2>\n");
    assertThat(normalizer.normalize("lease 4b92a2013cd5fe0a granted with TTL(100s),"
        + " remaining(99s), attached keys([])\n"))
        .isEqualTo("lease <lease-2> granted with TTL(100s), remaining(<ttl>), attached keys([])\n");
    assertThat(normalizer.normalize("\"Lease\" : 5445593025643675146\n"))
        .isEqualTo("\"Lease\" : <lease-2>\n");
    assertThat(normalizer.resolve(List.of("put", "k", "v", "--lease=<lease-2>")))
        .containsExactly("put", "k", "v", "--lease=4b92a2013cd5fe0a");
  }

  @Test
  void unknownLeaseTokenCannotBeResolved() {
    assertThatThrownBy(() -> normalizer.resolve(List.of("lease", "revoke", "<lease-1>")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("<lease-1>");
  }

  @Test
  void memberListLosesIdsNamesAndAddresses() {
    String out = normalizer.normalize(
        "531eff1cd170cb92, started, ref2, http://127.0.0.1:31011, http://127.0.0.1:31010, false\n"
            + "94d619e47498f503, unstarted, , http://127.0.0.1:31001, , false\n");

    assertThat(out).isEqualTo("<member-id>, started, <member-name>, http://<peer-address>,"
        + " http://<client-address>, false\n<member-id>, unstarted, , http://<peer-address>, ,"
        + " false\n");
  }

  @Test
  void endpointStatusLosesSizesTermsAndIndexes() {
    assertThat(normalizer.normalize("127.0.0.1:31000, 94d619e47498f503, 3.4.23, 20 kB, true,"
        + " false, 2, 22, 22, \n"))
        .isEqualTo("<client-address>, <member-id>, 3.4.23, <db-size>, true, false, <raft-term>,"
            + " <raft-index>, <raft-index>, \n");
    assertThat(normalizer.normalize("[{\"Endpoint\":\"127.0.0.1:31000\",\"Status\":{\"header\":"
        + "{\"cluster_id\":9187766106936938853,\"member_id\":10724788031628834051,\"revision\":8,"
        + "\"raft_term\":2},\"version\":\"3.4.23\",\"dbSize\":20480,\"leader\":"
        + "10724788031628834051,\"raftIndex\":22,\"raftTerm\":2,\"raftAppliedIndex\":22,"
        + "\"dbSizeInUse\":16384}}]\n"))
        .isEqualTo("[{\"Endpoint\":\"<client-address>\",\"Status\":{\"header\":{\"cluster_id\":"
            + "<cluster-id>,\"member_id\":<member-id>,\"revision\":8,\"raft_term\":<raft-term>},"
            + "\"version\":\"3.4.23\",\"dbSize\":<db-size>,\"leader\":<member-id>,\"raftIndex\":"
            + "<raft-index>,\"raftTerm\":<raft-term>,\"raftAppliedIndex\":<raft-index>,"
            + "\"dbSizeInUse\":<db-size>}}]\n");
  }

  @Test
  void humanSizesAreReplacedOnStatusLinesOnly() {
    assertThat(normalizer.normalize("fe01cf57, 10, 7, 2.1 MB\n2 kB\nkv/a, 2 kB\n"))
        .isEqualTo("fe01cf57, 10, 7, <db-size>\n2 kB\nkv/a, 2 kB\n");
  }

  @Test
  void healthLosesDurations() {
    assertThat(normalizer.normalize("127.0.0.1:31000 is healthy: successfully committed"
        + " proposal: took = 1.600278ms\n"))
        .isEqualTo("<client-address> is healthy: successfully committed proposal: took ="
            + " <duration>\n");
    assertThat(normalizer.normalize("[{\"endpoint\":\"127.0.0.1:31010\",\"health\":true,"
        + "\"took\":\"1.94874ms\"}]\n"))
        .isEqualTo("[{\"endpoint\":\"<client-address>\",\"health\":true,\"took\":"
            + "\"<duration>\"}]\n");
  }

  @Test
  void shortIdsPaddedWithSpacesAsEtcdctlPrintsThemAreReplacedWithTheirPadding() {
    normalizer.normalize("\"MemberID\" : 639838693582077418\n");

    assertThat(normalizer.normalize("Member  8e129e6dc827dea added to cluster"
        + " 1a842491934c15db\n8e129e6dc827dea, started\n"))
        .isEqualTo("Member <member-id> added to cluster <cluster-id>\n<member-id>, started\n");
  }

  @Test
  void learntIdsAreReplacedElsewhereButDataIsNot() {
    normalizer.normalize("\"MemberID\" : 10724788031628834051\n");

    assertThat(normalizer.normalize("Member 94d619e47498f503 removed from cluster"
        + " 7f818194e3a8c325\nkey 10724788031628834051x\n10724788031628834051\n2 kB\n"))
        .isEqualTo("Member <member-id> removed from cluster <cluster-id>\n"
            + "key 10724788031628834051x\n<member-id>\n2 kB\n");
  }

  @Test
  void alarmsAndLeaderMovesLoseMemberIds() {
    assertThat(normalizer.normalize("memberID:8e9e05c52164694d alarm:NOSPACE \n"
        + "Leadership transferred from 45ddc0e800e20b93 to c89feb932daef420\n"))
        .isEqualTo("memberID:<member-id> alarm:NOSPACE \n"
            + "Leadership transferred from <member-id> to <member-id>\n");
  }

  @Test
  void addressesAreMatchedWholly() {
    assertThat(normalizer.normalize("127.0.0.1:310001 127.0.0.1:31000\n"))
        .isEqualTo("127.0.0.1:310001 <client-address>\n");
  }

  @Test
  void hashesAreNumberedWithinOneOutputSoThatMembersMustAgree() {
    assertThat(normalizer.normalize("127.0.0.1:31000, 1084519789\n127.0.0.1:31010, 1084519789\n"
        + "http://127.0.0.1:31020, 99\n"))
        .isEqualTo("<client-address>, <hash-1>\n<client-address>, <hash-1>\n"
            + "http://<client-address>, <hash-2>\n");
    assertThat(normalizer.normalize("[{\"HashKV\":{\"hash\":99,\"compact_revision\":-1}},"
        + "{\"HashKV\":{\"hash\":99,\"compact_revision\":-1}}]\n"))
        .isEqualTo("[{\"HashKV\":{\"hash\":<hash-1>,\"compact_revision\":-1}},"
            + "{\"HashKV\":{\"hash\":<hash-1>,\"compact_revision\":-1}}]\n");
  }

  @Test
  void clusterStatusLinesAndSnapshotLogsLoseSizes() {
    assertThat(normalizer.normalize("http://127.0.0.1:31000, 94d619e47498f503, 3.4.23, 61 kB,"
        + " true, false, 2, 22, 22, \n"))
        .isEqualTo("http://<client-address>, <member-id>, 3.4.23, <db-size>, true, false,"
            + " <raft-term>, <raft-index>, <raft-index>, \n");
    assertThat(normalizer.normalize("{\"msg\":\"fetched snapshot\",\"endpoint\":"
        + "\"127.0.0.1:31000\",\"size\":\"20 kB\",\"took\":0.002283552}\n"))
        .isEqualTo("{\"msg\":\"fetched snapshot\",\"endpoint\":\"<client-address>\","
            + "\"size\":\"<db-size>\",\"took\":\"<duration>\"}\n");
  }

  @Test
  void expiredLeaseTtlIsKept() {
    assertThat(normalizer.normalize("{\"id\":4660,\"ttl\":-1,\"granted-ttl\":0}\n"
        + "{\"id\":4660,\"ttl\":59,\"granted-ttl\":60}\n"))
        .isEqualTo("{\"id\":<lease-1>,\"ttl\":-1,\"granted-ttl\":0}\n"
            + "{\"id\":<lease-1>,\"ttl\":<ttl>,\"granted-ttl\":60}\n");
  }

  @Test
  void keysAttachedToALeaseAreSorted() {
    assertThat(normalizer.normalize("lease 0481a2016675e508 granted with TTL(100s),"
        + " remaining(99s), attached keys([l/b l/a])\n"))
        .isEqualTo("lease <lease-1> granted with TTL(100s), remaining(<ttl>),"
            + " attached keys([l/a l/b])\n");
    assertThat(normalizer.normalize(
        "{\"ttl\":99,\"granted-ttl\":100,\"keys\":[\"bC9i\",\"bC9h\"]}\n"))
        .isEqualTo("{\"ttl\":<ttl>,\"granted-ttl\":100,\"keys\":[\"bC9h\",\"bC9i\"]}\n");
  }

  @Test
  void learntIdsAreReplacedWithTheirLeadingZeros() {
    normalizer.normalize("lease 03d9a2016f1a6c1e granted with TTL(2s)\n");

    assertThat(normalizer.normalize("lease 03d9a2016f1a6c1e already expired\n"))
        .isEqualTo("lease <lease-1> already expired\n");
  }
}
