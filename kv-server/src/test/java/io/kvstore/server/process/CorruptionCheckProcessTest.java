package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * etcd's periodic corruption check, {@code --experimental-corrupt-check-time}: a member whose key
 * space was altered on disk is found by the leader's next pass, the CORRUPT alarm names it, and
 * every member then refuses writes with "etcdserver: corrupt cluster" while reads go on.
 */
@Timeout(120)
class CorruptionCheckProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final List<String> CHECK_EVERY_SECOND =
      List.of("--experimental-corrupt-check-time", "1s");

  @TempDir Path tmp;
  private ServerLauncher launcher;
  private Etcdctl etcdctl;
  private List<MemberFlags> cluster;
  private List<ServerProcess> members;
  /** The client endpoints of {@link #cluster}. */
  private List<String> all;

  @AfterEach
  void stop() {
    launcher.close();
  }

  @Test
  void aMemberWithAlteredDataRaisesCorruptAndWritesAreRefused() throws Exception {
    startThreeWithFiveKeys(CorruptionCheckProcessTest::flags);
    String healthy = etcdctl.run(all, "alarm", "list").output();
    assertThat(healthy).doesNotContain("CORRUPT");

    MemberFlags victim = cluster.get(2);
    String victimId = etcdctl.run(List.of(all.get(2)), "endpoint", "status").output()
        .split(",")[1].strip();
    members.get(2).terminate();
    members.get(2).awaitExit(WAIT);
    alterNewestValue(victim.dataDir().resolve("member").resolve("db"));
    launcher.start(victim.name() + "-again", flags(victim, cluster)).awaitLine(READY, WAIT);

    String alarms = await(() -> etcdctl.run(all, "alarm", "list").output(),
        out -> out.contains("alarm:CORRUPT"));
    assertThat(alarms).contains("memberID:"
        + Long.toUnsignedString(Long.parseUnsignedLong(victimId, 16))
        + " alarm:CORRUPT");
    assertThat(etcdctl.run(all.subList(0, 1), "put", "after", "x").output())
        .contains("etcdserver: corrupt cluster");
    assertThat(etcdctl.run(all.subList(0, 1), "get", "k0").output()).contains("v0");
  }

  @Test
  void aMemberWithAlteredDataAndTheInitialCheckRefusesToStart() throws Exception {
    startThreeWithFiveKeys(MemberFlags::flags);
    MemberFlags victim = cluster.get(2);
    members.get(2).terminate();
    members.get(2).awaitExit(WAIT);
    List<String> checked = new ArrayList<>(victim.flags(cluster));
    checked.add("--experimental-initial-corrupt-check");

    ServerProcess healthy = launcher.start(victim.name() + "-healthy", checked);
    healthy.awaitLine(Pattern.compile("succeeded on initial corruption checking"), WAIT);
    healthy.awaitLine(READY, WAIT);
    healthy.terminate();
    healthy.awaitExit(WAIT);

    alterNewestValue(victim.dataDir().resolve("member").resolve("db"));
    ServerProcess altered = launcher.start(victim.name() + "-altered", checked);

    assertThat(altered.awaitExit(WAIT)).isEqualTo(1);
    assertThat(altered.lines()).anyMatch(l -> l.contains("found data inconsistency with peers"))
        .noneMatch(l -> READY.matcher(l).find());
    assertThat(etcdctl.run(all.subList(0, 2), "put", "after", "x").output()).contains("OK");
  }

  /**
   * Starts three members with the flags {@code flagsOf} gives each (in the cluster of the three),
   * then puts k0..k4 = v0..v4.
   */
  private void startThreeWithFiveKeys(
      BiFunction<MemberFlags, List<MemberFlags>, List<String>> flagsOf) {
    launcher = new ServerLauncher(tmp);
    etcdctl = new Etcdctl(tmp);
    cluster = IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, tmp)).toList();
    members = new ArrayList<>();
    for (MemberFlags m : cluster) {
      members.add(launcher.start(m.name(), flagsOf.apply(m, cluster)));
    }
    members.forEach(m -> m.awaitLine(READY, WAIT));
    all = cluster.stream().map(m -> "127.0.0.1:" + m.clientPort()).toList();
    for (int i = 0; i < 5; i++) {
      assertThat(etcdctl.run(all, "put", "k" + i, "v" + i).output()).contains("OK");
    }
  }

  private static List<String> flags(MemberFlags m, List<MemberFlags> cluster) {
    List<String> flags = new ArrayList<>(m.flags(cluster));
    flags.addAll(CHECK_EVERY_SECOND);
    return flags;
  }

  /** Flips one bit of the newest MVCC row in a stopped member's backend. */
  private static void alterNewestValue(Path db) throws Exception {
    List<byte[]> names;
    try (Options options = new Options()) {
      names = RocksDB.listColumnFamilies(options, db.toString());
    }
    List<ColumnFamilyDescriptor> descriptors =
        names.stream().map(ColumnFamilyDescriptor::new).toList();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions options = new DBOptions();
        RocksDB rocks = RocksDB.open(options, db.toString(), descriptors, handles)) {
      ColumnFamilyHandle keys = handles.get(names.stream().map(n ->
          new String(n, StandardCharsets.US_ASCII)).toList().indexOf("key"));
      try (RocksIterator it = rocks.newIterator(keys)) {
        it.seekToLast();
        byte[] value = it.value();
        value[value.length - 1] ^= 1;
        rocks.put(keys, it.key(), value);
      }
      handles.forEach(ColumnFamilyHandle::close);
    }
  }

  private static String await(Supplier<String> probe, Predicate<String> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String last = probe.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT + ": " + last);
      }
      Thread.sleep(200);
      last = probe.get();
    }
    return last;
  }
}
