package io.kvstore.chaos;

import org.junit.jupiter.api.Assertions;
import org.testcontainers.DockerClientFactory;

/**
 * The chaos runs need a Docker daemon; without one they fail, saying how to start it (never
 * skipped, so a CI machine without Docker cannot pass them silently). Stateless.
 */
final class Docker {
  static final String HOW = "the chaos tests need a running Docker daemon: install docker.io and "
      + "start it (nohup dockerd > /tmp/dockerd.log 2>&1 &), as .ci/run does";

  private Docker() {}

  static void require() {
    boolean available;
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      available = false;
    }
    if (!available) {
      Assertions.fail(HOW);
    }
  }
}
