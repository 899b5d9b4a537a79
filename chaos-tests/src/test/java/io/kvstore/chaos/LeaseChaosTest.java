package io.kvstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 3 members, keys on leases kept alive, abandoned, released and revoked, under leader kills,
 * pauses and isolation, and a client (its keep-alives) cut off the cluster:
 * abandoned leases expire with all their keys at one revision, kept-alive ones that never lapsed
 * keep theirs.
 */
class LeaseChaosTest {
  @Test
  @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
  void leasesExpireAtomicallyAndOnlyWhenNotKeptAlive() throws Exception {
    Docker.require();
    ChaosConfig config = ChaosConfig.of("lease", 3, Duration.ofSeconds(44),
        List.of("kill-leader", "pause-leader", "partition-leader", "isolate-client"),
        List.of("lease"), List.of());
    ChaosRun.Result result = new ChaosRun(config).run();
    assertThat(result.valid()).as(result.report()).isTrue();
  }
}
