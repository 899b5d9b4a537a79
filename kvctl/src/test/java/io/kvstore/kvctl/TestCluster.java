package io.kvstore.kvctl;

import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.ServerLauncher;
import io.kvstore.server.process.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Real kv-server members on 127.0.0.1, started with kv-server's process helpers and killed on
 * {@link #close}. Thread-safety: confined to the test class that started it.
 */
final class TestCluster implements AutoCloseable {
  static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(60);

  final ServerLauncher launcher;
  final List<MemberFlags> members;
  final List<ServerProcess> processes = new ArrayList<>();

  /** Starts a new 3-member cluster with data under {@code dir}. */
  TestCluster(Path dir) {
    this(dir, IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, dir)).toList(),
        List.of());
  }

  /** Starts these members (whose data directories may be prepared) with extra flags. */
  TestCluster(Path dir, List<MemberFlags> members, List<String> extraFlags) {
    this.launcher = new ServerLauncher(dir);
    this.members = members;
    for (MemberFlags m : members) {
      List<String> flags = new ArrayList<>(m.flags(members));
      flags.addAll(extraFlags);
      processes.add(launcher.start(m.name(), flags));
    }
    processes.forEach(p -> p.awaitLine(READY, WAIT));
  }

  String endpoint(int i) {
    return "127.0.0.1:" + members.get(i).clientPort();
  }

  String endpoints() {
    return String.join(",", IntStream.range(0, members.size()).mapToObj(this::endpoint)
        .toList());
  }

  @Override
  public void close() {
    launcher.close();
  }
}
