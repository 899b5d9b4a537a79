package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration kvstore → etcd: etcdctl 3.4 saves a snapshot of a kv-server member (a bbolt file with
 * etcd's buckets), {@code snapshot status} reads its revision and key count, {@code snapshot
 * restore} turns it into an etcd data directory, and a real etcd 3.4 started on it serves the
 * keys, values, lease and revision.
 */
@Timeout(150)
class EtcdctlSnapshotProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final int KEYS = 20;
  /** For the commands that read a file only (etcdctl does not dial for them). */
  private static final List<String> OFFLINE = List.of("127.0.0.1:1");

  @TempDir Path tmp;

  @Test
  void etcdRestoresAndServesAKvstoreSnapshot() throws Exception {
    Etcdctl etcdctl = new Etcdctl(tmp);
    Path snapshot = tmp.resolve("kvstore.db");
    String leaseId;
    try (ServerLauncher launcher = new ServerLauncher(tmp)) {
      MemberFlags m = MemberFlags.of("k1", tmp);
      launcher.start(m.name(), m.soloFlags()).awaitLine(READY, WAIT);
      List<String> ep = List.of("127.0.0.1:" + m.clientPort());
      for (int i = 0; i < KEYS - 1; i++) {
        assertThat(etcdctl.run(ep, "put", "k/" + i, "value-" + i).output()).isEqualTo("OK\n");
      }
      Etcdctl.Result grant = etcdctl.run(ep, "lease", "grant", "3600");
      leaseId = grant.output().replaceAll("(?s)lease ([0-9a-f]+) granted.*", "$1");
      assertThat(etcdctl.run(ep, "put", "leased", "with-lease", "--lease=" + leaseId).output())
          .isEqualTo("OK\n");
      assertThat(etcdctl.run(ep, "del", "k/0").output()).isEqualTo("1\n");
      // KEYS puts and a delete: revisions 2 .. KEYS + 2
      long revision = KEYS + 2;
      assertThat(etcdctl.run(ep, "get", "leased", "-w", "json").output())
          .contains("\"revision\":" + revision);

      Etcdctl.Result saved = etcdctl.run(ep, "snapshot", "save", snapshot.toString());
      assertThat(saved.output()).as(saved.output()).contains("Snapshot saved at");
      assertThat(saved.status()).isZero();
      assertThat((Files.size(snapshot) - 32) % 4096).isZero();

      Etcdctl.Result status = etcdctl.run(OFFLINE, "snapshot", "status",
          snapshot.toString(), "-w", "json");
      assertThat(status.status()).as(status.output()).isZero();
      // rows: one per revision (KEYS + 1), the lease, the member, clusterVersion,
      // consistent_index
      assertThat(status.output()).contains("\"revision\":" + revision + ",")
          .contains("\"totalKey\":" + (KEYS + 1 + 4) + ",")
          .contains("\"totalSize\":" + (Files.size(snapshot) - 32) + "}");
      Etcdctl.Result table = etcdctl.run(OFFLINE, "snapshot", "status", snapshot.toString(),
          "-w", "table");
      assertThat(table.output()).containsPattern("\\|\\s+" + revision + " \\|\\s+"
          + (KEYS + 1 + 4) + " \\|");
    }

    int peerPort = FreePorts.next();
    int clientPort = FreePorts.next();
    Path dataDir = tmp.resolve("e1.etcd");
    Etcdctl.Result restored = etcdctl.run(OFFLINE, "snapshot", "restore", snapshot.toString(),
        "--name", "e1", "--data-dir", dataDir.toString(), "--initial-cluster",
        "e1=http://127.0.0.1:" + peerPort, "--initial-advertise-peer-urls",
        "http://127.0.0.1:" + peerPort);
    assertThat(restored.status()).as(restored.output()).isZero();
    assertThat(restored.output()).contains("restored snapshot");

    try (RealEtcd etcd = RealEtcd.start(tmp, "e1", dataDir, peerPort, clientPort)) {
      List<String> ep = List.of(etcd.endpoint());
      Etcdctl.Result keys = etcdctl.run(ep, "get", "k/", "--prefix", "--print-value-only");
      List<String> expected = new ArrayList<>();
      for (int i = 1; i < KEYS - 1; i++) {
        expected.add("value-" + i);
      }
      assertThat(keys.output().lines().sorted().toList())
          .as(etcd.tail()).isEqualTo(expected.stream().sorted().toList());
      assertThat(etcdctl.run(ep, "get", "leased").output()).isEqualTo("leased\nwith-lease\n");
      assertThat(etcdctl.run(ep, "lease", "list").output()).contains(leaseId);
      assertThat(etcdctl.run(ep, "lease", "timetolive", leaseId, "--keys").output())
          .contains("attached keys([leased])");
      assertThat(etcdctl.run(ep, "get", "k/5", "-w", "json").output())
          .contains("\"revision\":" + (KEYS + 2)).contains("\"create_revision\":7");
      assertThat(etcdctl.run(ep, "put", "after", "migration", "-w", "json").output())
          .contains("\"revision\":" + (KEYS + 3));
      assertThat(etcdctl.run(ep, "get", "k/0").output()).isEmpty();
    }
  }
}
