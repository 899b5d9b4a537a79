package io.kvstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 3 members, three {@code LeaderElector} replicas in the test JVM (each with its own client
 * through proxies) making fenced writes, under member kills (random and leader), a paused and an
 * isolated Raft leader, packet loss, and the leading replica cut off the cluster: increasing
 * fencing tokens, one leader at a time, no write after its term ended in the store, nothing
 * acknowledged lost.
 */
class ElectionChaosTest {
  @Test
  @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
  void fencedLeadersNeverOverlapNorWriteAfterTheirTerm() throws Exception {
    Docker.require();
    ChaosConfig config = ChaosConfig.of("election", 3, Duration.ofSeconds(65),
        List.of("kill", "kill-leader", "pause-leader", "partition-leader", "loss",
            "isolate-client"),
        List.of("election"), List.of());
    ChaosRun.Result result = new ChaosRun(config).run();
    assertThat(result.valid()).as(result.report()).isTrue();
  }
}
