package io.kvstore.chaos;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/** The chaos runs need a Docker daemon: skipped without one locally, a failure in CI. */
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
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(HOW + " (CI=true, so this is not skipped)");
      }
      Assumptions.abort(HOW + " (skipped outside CI)");
    }
  }
}
