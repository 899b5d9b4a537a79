package io.kvstore.server.jetcd;

import static io.kvstore.server.jetcd.JetcdCluster.await;
import static io.kvstore.server.jetcd.JetcdCluster.bytes;
import static io.kvstore.server.jetcd.JetcdCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Maintenance;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.bbolt.BboltReader;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's Maintenance client against a three-member cluster of real kv-server processes: per
 * member status, equal HashKV at one revision on every member, defragmentation, an empty alarm
 * list, a snapshot stream with etcd's sha256 trailer, and a leader move.
 */
@Timeout(120)
class JetcdMaintenanceTest {
  @TempDir static Path tmp;
  private static JetcdCluster cluster;
  private static Client client;

  @BeforeAll
  static void startCluster() {
    cluster = JetcdCluster.start(tmp, 3);
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<StatusResponse> statuses() throws Exception {
    List<StatusResponse> all = new ArrayList<>();
    for (String endpoint : cluster.endpoints()) {
      all.add(await(client.getMaintenanceClient().statusMember(endpoint)));
    }
    return all;
  }

  private static boolean oneLeader(List<StatusResponse> all) {
    return all.stream().map(StatusResponse::getLeader).distinct().count() == 1
        && all.get(0).getLeader() != 0;
  }

  @Test
  void statusMemberReportsVersionLeaderDbSizeAndRaftIndex() throws Exception {
    await(client.getKVClient().put(bytes("status"), bytes("v")));
    List<StatusResponse> all = eventually(Duration.ofSeconds(10),
        JetcdMaintenanceTest::statuses, JetcdMaintenanceTest::oneLeader);
    long leader = all.get(0).getLeader();
    assertThat(all).extracting(s -> s.getHeader().getMemberId()).doesNotHaveDuplicates()
        .contains(leader);
    assertThat(all).allSatisfy(s -> {
      assertThat(s.getVersion()).isEqualTo("3.4.23");
      assertThat(s.getDbSize()).isPositive();
      assertThat(s.getRaftIndex()).isPositive();
      assertThat(s.getRaftTerm()).isPositive();
      assertThat(s.getHeader().getClusterId()).isEqualTo(all.get(0).getHeader().getClusterId());
    });
  }

  @Test
  void hashKvIsEqualOnEveryMemberAtOneRevision() throws Exception {
    KV kv = client.getKVClient();
    long revision = 0;
    for (int i = 0; i < 20; i++) {
      revision = await(kv.put(bytes("hash/k" + (i % 7)), bytes("v" + i))).getHeader()
          .getRevision();
    }
    await(kv.delete(bytes("hash/k0")));
    long at = revision;
    List<HashKVResponse> hashes = eventually(Duration.ofSeconds(10), () -> {
      List<HashKVResponse> all = new ArrayList<>();
      for (String endpoint : cluster.endpoints()) {
        all.add(await(client.getMaintenanceClient().hashKV(endpoint, at)));
      }
      return all;
    }, all -> true);
    assertThat(hashes).extracting(HashKVResponse::getHash).containsOnly(hashes.get(0).getHash());
    assertThat(hashes).extracting(h -> h.getHeader().getMemberId()).doesNotHaveDuplicates();

    // A later revision (the delete) hashes differently.
    int later = await(client.getMaintenanceClient().hashKV(cluster.endpoint(0), at + 1))
        .getHash();
    assertThat(later).isNotEqualTo(hashes.get(0).getHash());
  }

  @Test
  void defragmentMemberSucceedsOnEveryMemberAndKeepsTheData() throws Exception {
    KV kv = client.getKVClient();
    await(kv.put(bytes("defrag"), bytes("kept")));
    for (String endpoint : cluster.endpoints()) {
      assertThat(await(client.getMaintenanceClient().defragmentMember(endpoint)).getHeader()
          .getMemberId()).isNotZero();
    }
    assertThat(await(kv.get(bytes("defrag"))).getKvs()).singleElement()
        .satisfies(k -> assertThat(JetcdCluster.text(k.getValue())).isEqualTo("kept"));
    assertThat(statuses()).allSatisfy(s -> assertThat(s.getDbSize()).isPositive());
  }

  @Test
  void theAlarmListIsEmpty() throws Exception {
    assertThat(await(client.getMaintenanceClient().listAlarms()).getAlarms()).isEmpty();
  }

  @Test
  void snapshotStreamsTheBackendWithEtcdsSha256Trailer() throws Exception {
    await(client.getKVClient().put(bytes("snap"), bytes("shot")));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long size = await(client.getMaintenanceClient().snapshot(out));
    byte[] data = out.toByteArray();
    assertThat(size).isEqualTo(data.length).isGreaterThan(32);
    byte[] body = Arrays.copyOf(data, data.length - 32);
    byte[] trailer = Arrays.copyOfRange(data, data.length - 32, data.length);
    assertThat(trailer).isEqualTo(MessageDigest.getInstance("SHA-256").digest(body));
    // the body is etcd's format: a bbolt file with the key space in the "key" bucket
    assertThat(body.length % 4096).isZero();
    Path file = Files.createTempFile("snapshot", ".db");
    try {
      Files.write(file, body);
      List<String> values = new ArrayList<>();
      try (BboltReader r = BboltReader.open(file)) {
        assertThat(r.check()).isEmpty();
        r.forEach("key", (k, v) -> values.add(KeyValue.parseFrom(v)
            .getValue().toStringUtf8()));
      }
      assertThat(values).contains("shot");
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void moveLeaderHandsLeadershipToAFollower() throws Exception {
    List<StatusResponse> before = eventually(Duration.ofSeconds(10),
        JetcdMaintenanceTest::statuses, JetcdMaintenanceTest::oneLeader);
    long leader = before.get(0).getLeader();
    int leaderIndex = IntStream.range(0, 3)
        .filter(i -> before.get(i).getHeader().getMemberId() == leader).findFirst().orElseThrow();
    int followerIndex = (leaderIndex + 1) % 3;
    long target = before.get(followerIndex).getHeader().getMemberId();

    // As in etcd, only the leader moves leadership: a follower refuses.
    Maintenance onFollower = cluster.client(Client.builder()
        .endpoints(cluster.endpoint(followerIndex))).getMaintenanceClient();
    Throwable refused = catchThrowable(() -> await(onFollower.moveLeader(target)));
    assertThat(refused).isInstanceOf(ExecutionException.class)
        .hasStackTraceContaining("etcdserver: not leader");

    Maintenance onLeader = cluster.client(Client.builder()
        .endpoints(cluster.endpoint(leaderIndex))).getMaintenanceClient();
    await(onLeader.moveLeader(target));
    List<StatusResponse> after = eventually(Duration.ofSeconds(10),
        JetcdMaintenanceTest::statuses, all -> oneLeader(all) && all.get(0).getLeader() == target);
    assertThat(after).allSatisfy(s -> assertThat(s.getRaftTerm())
        .isGreaterThan(before.get(0).getRaftTerm()));
    // The cluster still takes writes under its new leader.
    await(client.getKVClient().put(bytes("after-move"), bytes("ok")));
  }
}
