package io.kvstore.kvctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.server.process.MemberFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvctl snapshot save} from a cluster with data, {@code snapshot restore} into three new
 * data directories, and a new 3-member cluster of kv-server processes started from them serves
 * the data under its new membership. Also runs {@code bin/kvctl} as a process against it.
 */
@Timeout(170)
class SnapshotRestoreTest {
  @TempDir Path dir;

  @Test
  void restoredMembersFormANewClusterWithTheData() throws IOException {
    Path snapshot = dir.resolve("backup.db");
    String savedRevision;
    Files.createDirectories(dir.resolve("a"));
    try (TestCluster a = new TestCluster(dir.resolve("a"))) {
      String ep = "--endpoints=" + a.endpoint(0);
      StringBuilder txn = new StringBuilder("\n");
      for (int i = 0; i < 40; i++) {
        txn.append("put k/").append(i).append(" value-").append(i).append('\n');
      }
      txn.append("\n\n");
      assertThat(Runs.kvctl(txn.toString(), Map.of(), ep, "txn").out()).startsWith("SUCCESS");
      assertThat(Runs.kvctl(ep, "put", "k/40", "last").code()).isZero();
      assertThat(Runs.kvctl(ep, "del", "k/0").out()).isEqualTo("1\n");
      Runs.Result multi = Runs.kvctl("--endpoints=" + a.endpoints(), "snapshot", "save",
          snapshot.toString());
      assertThat(multi.code()).isEqualTo(ExitCodes.INTERRUPTED);
      assertThat(multi.err()).startsWith("Error: snapshot must be requested to one selected "
          + "node, not multiple [");
      Runs.Result saved = Runs.kvctl(ep, "snapshot", "save", snapshot.toString());
      assertThat(saved.out()).isEqualTo("Snapshot saved at " + snapshot + "\n");
      assertThat(saved.code()).isZero();
      savedRevision = Runs.kvctl(ep, "get", "k/40", "-w", "json").out()
          .replaceAll("(?s).*?\"revision\":(\\d+).*", "$1").strip();
    }
    Runs.Result status = Runs.kvctl("snapshot", "status", snapshot.toString());
    assertThat(status.out()).matches("[0-9a-f]+, " + savedRevision + ", \\d+, [0-9.]+ [kM]?B\n");

    Path b = dir.resolve("b");
    Files.createDirectories(b);
    List<MemberFlags> members = IntStream.rangeClosed(1, 3)
        .mapToObj(i -> MemberFlags.of("r" + i, b)).toList();
    String initialCluster = members.stream()
        .map(m -> m.name() + "=http://127.0.0.1:" + m.peerPort())
        .collect(Collectors.joining(","));
    List<String> ids = new ArrayList<>();
    for (MemberFlags m : members) {
      Runs.Result r = Runs.kvctl("snapshot", "restore", snapshot.toString(), "--name", m.name(),
          "--initial-cluster", initialCluster, "--initial-cluster-token", "etcd-cluster",
          "--initial-advertise-peer-urls", "http://127.0.0.1:" + m.peerPort(), "--data-dir",
          m.dataDir().toString());
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.err()).matches("restored snapshot .* into .* as member [0-9a-f]+ of cluster "
          + "[0-9a-f]+\n");
      ids.add(r.err().replaceAll(".* as member ([0-9a-f]+) .*\n", "$1"));
    }
    // refusals: an existing data dir, a file without its hash, a file that is no snapshot
    Runs.Result exists = Runs.kvctl("snapshot", "restore", snapshot.toString(), "--data-dir",
        members.get(0).dataDir().toString());
    assertThat(exists.err()).isEqualTo("Error: data-dir \"" + members.get(0).dataDir()
        + "\" exists\n");
    assertThat(exists.code()).isEqualTo(1);
    Path noHash = dir.resolve("nohash.db");
    byte[] all = Files.readAllBytes(snapshot);
    Files.write(noHash, java.util.Arrays.copyOf(all, all.length - 32));
    Runs.Result missing = Runs.kvctl("snapshot", "restore", noHash.toString(), "--data-dir",
        dir.resolve("x").toString());
    assertThat(missing.err()).isEqualTo("Error: snapshot missing hash but "
        + "--skip-hash-check=false\n");
    Files.write(noHash, "not a snapshot".getBytes());
    Runs.Result garbage = Runs.kvctl("snapshot", "restore", noHash.toString(), "--data-dir",
        dir.resolve("y").toString(), "--skip-hash-check");
    assertThat(garbage.code()).isEqualTo(1);
    assertThat(Files.exists(dir.resolve("y"))).isFalse();

    try (TestCluster restored = new TestCluster(b, members, List.of())) {
      String eps = "--endpoints=" + restored.endpoints();
      Runs.Result keys = Runs.kvctl(eps, "get", "--prefix", "k/", "--print-value-only");
      List<String> expected = new ArrayList<>();
      for (int i = 1; i < 40; i++) {
        expected.add("value-" + i);
      }
      expected.add("last");
      assertThat(keys.out().lines().sorted().toList())
          .isEqualTo(expected.stream().sorted().toList());
      Runs.Result list = Runs.kvctl(eps, "member", "list");
      assertThat(list.out().lines().map(l -> l.split(", ")[0]).sorted().toList())
          .isEqualTo(ids.stream().sorted().toList());
      assertThat(list.out()).contains(", started, r1, ").contains(", started, r2, ")
          .contains(", started, r3, ");
      Runs.Result put = Runs.kvctl(eps, "put", "after", "restore", "-w", "json");
      long rev = Long.parseLong(put.out().replaceAll("(?s).*?\"revision\":(\\d+).*", "$1")
          .strip());
      assertThat(rev).isGreaterThan(Long.parseLong(savedRevision));
      Runs.Result hashes = Runs.kvctl(eps, "endpoint", "hashkv");
      assertThat(hashes.out().lines().map(l -> l.split(", ")[1]).distinct().count())
          .as(hashes.out()).isEqualTo(1);

      // bin/kvctl as a process, endpoints from the environment
      String cp = System.getProperty("java.class.path");
      Path script = Path.of("..", "bin", "kvctl").toAbsolutePath().normalize();
      Map<String, String> env = Map.of("KVCTL_CLASSPATH", cp, "ETCDCTL_ENDPOINTS",
          restored.endpoints());
      Runs.Result get = Runs.process(dir, List.of(script.toString(), "get", "after"), "", env);
      assertThat(get.out()).isEqualTo("after\nrestore\n");
      assertThat(get.code()).isZero();
      Runs.Result fromStdin = Runs.process(dir, List.of(script.toString(), "put", "piped"),
          "from stdin", env);
      assertThat(fromStdin.out()).isEqualTo("OK\n");
      Runs.Result bad = Runs.process(dir, List.of(script.toString(), "put", "x", "y",
          "--lease=nothex"), "", env);
      assertThat(bad.code()).isEqualTo(ExitCodes.BAD_ARGS);
      assertThat(bad.err()).isEqualTo("Error: bad lease ID (strconv.ParseInt: parsing "
          + "\"nothex\": invalid syntax), expecting ID in Hex\n");
      Runs.Result flag = Runs.process(dir, List.of(script.toString(), "get", "x", "--nope"), "",
          env);
      assertThat(flag.code()).isEqualTo(ExitCodes.ERROR);
      assertThat(flag.err()).isEqualTo("Error: unknown flag: --nope\n");
      Runs.Result down = Runs.process(dir, List.of(script.toString(), "--endpoints=127.0.0.1:1",
          "--command-timeout=1s", "get", "x"), "", env);
      assertThat(down.code()).isEqualTo(ExitCodes.ERROR);
      assertThat(down.err()).isEqualTo("Error: context deadline exceeded\n");
    }
  }
}
