package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** How a real kv-server process ends: wrong flags, a damaged data dir, a busy port, SIGTERM. */
@Timeout(60)
class KvServerProcessExitTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir Path tmp;
  private ServerLauncher launcher;

  @BeforeEach
  void createLauncher() {
    launcher = new ServerLauncher(tmp);
  }

  @AfterEach
  void destroyProcesses() {
    launcher.close();
  }

  @Test
  void wrongFlagPrintsOneErrorLineAndExitsTwo() throws IOException {
    ServerProcess server = launcher.startWithSeparateStdout("m1",
        List.of("--election-timeout", "100", "--heartbeat-interval", "100"));

    assertThat(server.awaitExit(WAIT)).isEqualTo(2);
    assertThat(server.lines()).containsExactly("kv-server: error: --election-timeout[100ms] should"
        + " be at least as 5 times as --heartbeat-interval[100ms]");
    assertThat(tmp.resolve("m1.out")).isEmptyFile();
    assertThat(tmp.resolve("default.etcd")).doesNotExist();
  }

  /**
   * SIGTERM runs the shutdown hook, which stops the member cleanly; the JVM then halts with 143
   * (128 + SIGTERM), not with the 0 that {@code main} would pass to {@code System.exit}, because
   * {@code System.exit} called while the signal's shutdown is under way blocks until that one
   * halts. etcd ends the same way: it cleans up, then re-raises the signal.
   */
  @Test
  void sigtermStopsTheMemberCleanlyWithStatus143() {
    MemberFlags m1 = MemberFlags.of("m1", tmp);
    ServerProcess server = launcher.start("m1", m1.soloFlags());
    server.awaitLine(READY, WAIT);

    server.terminate();

    assertThat(server.awaitExit(WAIT)).isEqualTo(143);
    assertThat(server.lines())
        .anyMatch(l -> l.contains("received shutdown signal, stopping member"))
        .anyMatch(l -> l.endsWith(Leadership.memberId(server, WAIT) + " stopped"))
        .noneMatch(l -> l.contains("Exception"));
  }

  @Test
  void damagedLogStoreRefusesToStartAndKeepsItsFiles() throws IOException {
    MemberFlags m1 = MemberFlags.of("m1", tmp);
    ServerProcess first = launcher.start("m1", m1.soloFlags());
    first.awaitLine(READY, WAIT);
    // Killed, as a crash leaves it: a clean stop would flush the log into tables first.
    first.kill();
    assertThat(first.awaitExit(WAIT)).isEqualTo(137);
    Path wal = m1.dataDir().resolve("member/wal");
    String manifest = Files.readString(wal.resolve("CURRENT"), StandardCharsets.US_ASCII).trim();

    assertRefusesToStart(m1, "newest-log", dir -> newest(dir, ".log"));
    assertRefusesToStart(m1, "manifest", dir -> dir.resolve(manifest));
  }

  @Test
  void busyPeerPortFailsTheStartAndARetryBootstraps() throws IOException {
    MemberFlags m1 = MemberFlags.of("m1", tmp);
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), m1.peerPort()));
      ServerProcess blocked = launcher.start("m1-blocked", m1.soloFlags());

      assertThat(blocked.awaitExit(WAIT)).isEqualTo(1);
      assertThat(blocked.lines()).anyMatch(l -> l.contains("cannot listen on /127.0.0.1:"
          + m1.peerPort()));
    }

    ServerProcess retried = launcher.start("m1-retried", m1.soloFlags());
    retried.awaitLine(READY, WAIT);
  }

  /** Chooses the file to damage in a log store directory. */
  @FunctionalInterface
  private interface Victim {
    Path in(Path walDir) throws IOException;
  }

  /**
   * Copies {@code member}'s stopped data dir, overwrites 16 bytes in the middle of one file of
   * the copy's log store, starts the member on the copy, and checks that it exits with status 1
   * naming the file and that every file of the store is left as it was.
   */
  private void assertRefusesToStart(MemberFlags member, String label, Victim victim)
      throws IOException {
    Path dataDir = tmp.resolve(member.name() + "-" + label + ".etcd");
    copyTree(member.dataDir(), dataDir);
    Path wal = dataDir.resolve("member/wal");
    Path damaged = victim.in(wal);
    long size = Files.size(damaged);
    assertThat(size).as("size of %s", damaged).isGreaterThan(64);
    try (RandomAccessFile file = new RandomAccessFile(damaged.toFile(), "rw")) {
      file.seek(size / 2);
      byte[] garbage = new byte[16];
      Arrays.fill(garbage, (byte) 0x5a);
      file.write(garbage);
    }
    Map<String, byte[]> before = contents(wal);
    MemberFlags copy = new MemberFlags(member.name(), dataDir, member.peerPort(),
        member.clientPort());

    ServerProcess server = launcher.start(member.name() + "-" + label, copy.soloFlags());

    assertThat(server.awaitExit(WAIT)).as("exit status with a damaged %s", label).isEqualTo(1);
    String fileName = damaged.getFileName().toString();
    assertThat(server.lines())
        .anyMatch(l -> l.contains("refusing to start") && l.contains(fileName));
    Map<String, byte[]> after = contents(wal);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
  }

  /** The file with the highest name ending in {@code suffix}; stateless. */
  private static Path newest(Path dir, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix))
          .max(Comparator.comparing(f -> f.getFileName().toString()))
          .orElseThrow(() -> new AssertionError("no *" + suffix + " in " + dir));
    }
  }

  /** Every file's bytes by name; stateless. */
  private static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        out.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return out;
  }

  /** Copies a directory tree; stateless. */
  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(from.relativize(f).toString()));
      }
    }
  }
}
