package io.kvstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 5 members with a small {@code --snapshot-count}, so a member that falls behind catches up by
 * snapshot: member replacement (remove, wipe, add back), a crash while a snapshot is being
 * received or installed, bridge and ring partitions, pauses; register and append workloads.
 */
class MembershipChaosTest {
  @Test
  @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
  void replacedAndSnapshotCatchingMembersLoseNothing() throws Exception {
    Docker.require();
    ChaosConfig config = ChaosConfig.of("membership", 5, Duration.ofSeconds(50),
        List.of("replace", "snapshot-crash", "partition-bridge", "partition-ring", "pause"),
        List.of("register", "append"), List.of("--snapshot-count", "200"));
    ChaosRun.Result result = new ChaosRun(config).run();
    assertThat(result.valid()).as(result.report()).isTrue();
  }
}
