package io.kvstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 3 members, watchers (from now and from recent revisions, new ones during the run) over writers
 * and a compactor, under kills, partitions and packet loss: the six watch guarantees.
 */
class WatchChaosTest {
  @Test
  @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
  void watchesKeepTheirGuaranteesAcrossMemberSwitchesAndCompaction() throws Exception {
    Docker.require();
    ChaosConfig config = ChaosConfig.of("watch", 3, Duration.ofSeconds(40),
        List.of("kill", "kill-leader", "partition-leader", "loss"),
        List.of("watch-compact", "register"), List.of());
    ChaosRun.Result result = new ChaosRun(config).run();
    assertThat(result.valid()).as(result.report()).isTrue();
  }
}
