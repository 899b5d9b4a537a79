package io.kvstore.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-member cluster of real kv-server processes, started from the test classpath as {@code
 * bin/kv-cluster} starts them: they elect one leader, survive {@code kill -9} of the leader, and
 * the killed member rejoins from its data directory.
 */
@Timeout(60)
class KvServerProcessTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir Path tmp;
  private ServerLauncher launcher;
  private List<MemberFlags> cluster;
  private final List<ServerProcess> members = new ArrayList<>();

  @BeforeEach
  void startCluster() {
    launcher = new ServerLauncher(tmp);
    cluster = IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, tmp)).toList();
    cluster.forEach(m -> members.add(launcher.start(m.name(), m.flags(cluster))));
  }

  @AfterEach
  void destroyProcesses() {
    launcher.close();
  }

  @Test
  void threeMembersBecomeReadyUnderOneLeader() {
    members.forEach(m -> m.awaitLine(READY, WAIT));
    List<String> ids = members.stream().map(m -> Leadership.memberId(m, WAIT)).toList();

    Leadership agreed = Leadership.awaitAgreement(members, 0, WAIT);

    assertThat(ids).doesNotHaveDuplicates().contains(agreed.leaderId());
    List<Leadership> atLatestTerm = members.stream()
        .flatMap(m -> Leadership.logged(m).stream())
        .filter(l -> l.term() == agreed.term())
        .distinct()
        .toList();
    assertThat(atLatestTerm).containsExactly(agreed);
    assertThat(members).allMatch(m -> Leadership.logged(m).stream()
        .allMatch(l -> l.term() <= agreed.term()));
  }

  @Test
  void killedLeaderIsReplacedAndRejoinsWithItsData() {
    members.forEach(m -> m.awaitLine(READY, WAIT));
    Leadership first = Leadership.awaitAgreement(members, 0, WAIT);
    int leader = indexOf(first.leaderId());

    members.get(leader).kill();
    List<ServerProcess> survivors = new ArrayList<>(members);
    survivors.remove(leader);
    Leadership second = Leadership.awaitAgreement(survivors, first.term(), WAIT);

    assertThat(second.leaderId()).isNotEqualTo(first.leaderId());
    MemberFlags killed = cluster.get(leader);
    ServerProcess restarted = launcher.start(killed.name() + "-restarted", killed.flags(cluster));
    restarted.awaitLine(READY, WAIT);
    assertThat(Leadership.memberId(restarted, WAIT)).isEqualTo(first.leaderId());
    List<ServerProcess> all = new ArrayList<>(survivors);
    all.add(restarted);
    assertThat(Leadership.awaitAgreement(all, 0, WAIT)).isEqualTo(second);
  }

  /** The index in {@link #members} of the member with this id; test thread only. */
  private int indexOf(String memberId) {
    for (int i = 0; i < members.size(); i++) {
      if (Leadership.memberId(members.get(i), WAIT).equals(memberId)) {
        return i;
      }
    }
    throw new AssertionError("no member has id " + memberId);
  }
}
