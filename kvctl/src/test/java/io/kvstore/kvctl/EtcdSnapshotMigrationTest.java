package io.kvstore.kvctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.RealEtcd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration etcd → kvstore: a snapshot of a real etcd 3.4 member, saved by etcdctl, reads the same
 * in {@code kvctl snapshot status} as in etcdctl's, and {@code kvctl snapshot restore} turns it
 * into a kvstore data directory whose member serves etcd's keys, values, lease and revisions.
 */
@Timeout(170)
class EtcdSnapshotMigrationTest {
  private static final int KEYS = 30;

  @TempDir Path dir;

  @Test
  void aKvstoreMemberServesASnapshotOfRealEtcd() throws IOException {
    Path snapshot = dir.resolve("etcd.db");
    MemberFlags ports = MemberFlags.of("e1", dir);
    String leaseId;
    String savedRevision;
    try (RealEtcd etcd = RealEtcd.start(dir, "e1", ports.dataDir(), ports.peerPort(),
        ports.clientPort())) {
      String ep = "--endpoints=" + etcd.endpoint();
      for (int i = 0; i < KEYS; i++) {
        assertThat(Runs.etcdctl(dir, ep, "put", "k/" + i, "value-" + i).out()).isEqualTo("OK\n");
      }
      assertThat(Runs.etcdctl(dir, ep, "put", "k/1", "value-1-again").out()).isEqualTo("OK\n");
      assertThat(Runs.etcdctl(dir, ep, "del", "k/0").out()).isEqualTo("1\n");
      assertThat(Runs.etcdctl(dir, ep, "compact", "5").out()).isEqualTo("compacted revision 5\n");
      leaseId = Runs.etcdctl(dir, ep, "lease", "grant", "3600").out()
          .replaceAll("(?s)lease ([0-9a-f]+) granted.*", "$1");
      assertThat(Runs.etcdctl(dir, ep, "put", "leased", "v", "--lease=" + leaseId).out())
          .isEqualTo("OK\n");
      savedRevision = Runs.etcdctl(dir, ep, "get", "leased", "-w", "json").out()
          .replaceAll("(?s).*?\"revision\":(\\d+).*", "$1").strip();
      Runs.Result saved = Runs.etcdctl(dir, ep, "snapshot", "save", snapshot.toString());
      assertThat(saved.code()).as(saved.err()).isZero();
    }

    // the same figures as etcdctl's, in every output format
    for (String format : List.of("simple", "json", "table", "fields")) {
      Runs.Result theirs = Runs.etcdctl(dir, "snapshot", "status", snapshot.toString(), "-w",
          format);
      Runs.Result ours = Runs.kvctl("snapshot", "status", snapshot.toString(), "-w", format);
      assertThat(ours.code()).as(ours.err()).isZero();
      assertThat(ours.out()).isEqualTo(theirs.out());
    }
    assertThat(Runs.kvctl("snapshot", "status", snapshot.toString()).out())
        .matches("[0-9a-f]+, " + savedRevision + ", \\d+, [0-9.]+ kB\n");

    Path b = dir.resolve("b");
    Files.createDirectories(b);
    MemberFlags member = MemberFlags.of("k1", b);
    Runs.Result restore = Runs.kvctl("snapshot", "restore", snapshot.toString(), "--name",
        member.name(), "--initial-cluster", member.name() + "=http://127.0.0.1:"
            + member.peerPort(), "--initial-advertise-peer-urls", "http://127.0.0.1:"
            + member.peerPort(), "--data-dir", member.dataDir().toString());
    assertThat(restore.code()).as(restore.err()).isZero();
    assertThat(restore.err()).contains("restored snapshot");

    try (TestCluster kvstore = new TestCluster(b, List.of(member), List.of())) {
      String ep = "--endpoints=" + kvstore.endpoint(0);
      List<String> expected = new ArrayList<>();
      expected.add("value-1-again");
      for (int i = 2; i < KEYS; i++) {
        expected.add("value-" + i);
      }
      assertThat(Runs.kvctl(ep, "get", "--prefix", "k/", "--print-value-only").out().lines()
          .sorted().toList()).isEqualTo(expected.stream().sorted().toList());
      assertThat(Runs.kvctl(ep, "get", "k/1", "-w", "json").out())
          .contains("\"revision\":" + savedRevision).contains("\"version\":2");
      assertThat(Runs.kvctl(ep, "lease", "list").out()).contains(leaseId);
      assertThat(Runs.kvctl(ep, "lease", "timetolive", leaseId, "--keys").out())
          .contains("attached keys([leased])");
      // history before etcd's compaction stays compacted, after it readable
      assertThat(Runs.kvctl(ep, "get", "k/2", "--rev=4").err()).contains("compacted");
      assertThat(Runs.kvctl(ep, "get", "k/10", "--rev=20", "--print-value-only").out())
          .isEqualTo("value-10\n");
      Runs.Result put = Runs.kvctl(ep, "put", "after", "migration", "-w", "json");
      assertThat(Long.parseLong(put.out().replaceAll("(?s).*?\"revision\":(\\d+).*", "$1")
          .strip())).isEqualTo(Long.parseLong(savedRevision) + 1);

      // and back: a kvstore snapshot of the migrated data reads the same in etcdctl
      Path again = dir.resolve("again.db");
      assertThat(Runs.kvctl(ep, "snapshot", "save", again.toString()).code()).isZero();
      Runs.Result status = Runs.etcdctl(dir, "snapshot", "status", again.toString(), "-w",
          "json");
      assertThat(status.out()).contains("\"revision\":" + (Long.parseLong(savedRevision) + 1));
      assertThat(Runs.kvctl("snapshot", "status", again.toString(), "-w", "json").out())
          .isEqualTo(status.out());
    }
  }
}
