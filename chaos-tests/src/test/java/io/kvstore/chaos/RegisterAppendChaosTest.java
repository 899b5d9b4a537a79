package io.kvstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 3 members, register and list-append workloads, under kills (random member and leader), pauses
 * of the leader and partitions (leader isolated, majority/minority). CI runs it short; {@code
 * -Dchaos.duration} makes it longer (see docs/chaos.md).
 */
class RegisterAppendChaosTest {
  @Test
  @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
  void registerAndAppendStayLinearizableUnderKillsPausesAndPartitions() throws Exception {
    Docker.require();
    ChaosConfig config = ChaosConfig.of("register-append", 3, Duration.ofSeconds(45),
        List.of("kill", "kill-leader", "pause-leader", "partition-leader", "partition-halves"),
        List.of("register", "append"), List.of());
    ChaosRun.Result result = new ChaosRun(config).run();
    assertThat(result.valid()).as(result.report()).isTrue();
  }
}
