package io.kvstore.server.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One cluster seen through etcdctl: runs script steps against it and normalises what they print
 * with the cluster's own {@link OutputNormalizer}.
 *
 * <p>Not thread-safe: the normaliser learns ids in the order the steps run, so one thread runs
 * every step of a session, in script order.
 */
final class EtcdctlSession {
  private final TestCluster cluster;
  private final EtcdctlRunner runner;
  private final OutputNormalizer normalizer;

  /** A session on {@code cluster}, keeping each run's stdin, stdout and stderr in {@code dir}. */
  EtcdctlSession(TestCluster cluster, Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.cluster = cluster;
    this.runner = new EtcdctlRunner(cluster.clientAddresses(), dir);
    this.normalizer = OutputNormalizer.of(cluster);
  }

  String kind() {
    return cluster.kind();
  }

  /** Runs {@code step} and returns its normalised result. */
  EtcdctlResult run(Step step) {
    EtcdctlResult result = runner.run(normalizer.resolve(step.args()), step.stdin())
        .normalized(normalizer);
    return step.unordered() ? result.withSortedStdoutLines() : result;
  }
}
