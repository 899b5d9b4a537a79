package io.kvstore.server.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One cluster seen through etcdctl: runs script steps against it, after resolving the tokens in
 * their arguments to this cluster's values, and normalises what they print with the cluster's own
 * {@link OutputNormalizer}.
 *
 * <p>Not thread-safe: the normaliser learns ids and the session learns revisions in the order the
 * steps run, so one thread runs every step of a session, in script order.
 */
final class EtcdctlSession {
  /** {@code <rev:name>} or {@code <rev:name+N>}: a revision a marked step printed, plus N. */
  private static final Pattern REVISION_TOKEN = Pattern.compile("<rev:([a-z0-9-]+)(?:\\+(\\d+))?>");
  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");
  private static final String FOLLOWER_TOKEN = "<follower-id>";
  /** One member in {@code endpoint status -w json}: its id, then the leader's. */
  private static final Pattern STATUS_IDS = Pattern.compile(
      "\"member_id\":(\\d+),.*?\"leader\":(\\d+)");

  private final TestCluster cluster;
  private final EtcdctlRunner runner;
  private final OutputNormalizer normalizer;
  private final Map<String, Long> revisions = new HashMap<>();

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
    EtcdctlResult raw = runner.run(resolve(step.args()), step.stdin(), step.endpoint(),
        step.bound(), step.background().stream().map(this::resolve).toList());
    step.revisionMark().ifPresent(mark -> {
      Matcher m = REVISION.matcher(raw.stdout());
      if (m.find()) {
        revisions.put(mark, Long.parseLong(m.group(1)));
      }
    });
    EtcdctlResult result = raw.normalized(normalizer);
    return step.unordered() ? result.withSortedStdoutLines() : result;
  }

  /**
   * {@code args} with lease tokens ({@code <lease-1>}), revision tokens ({@code <rev:w+2>}) and
   * {@code <follower-id>} replaced by this cluster's lease id, revision and a follower's member
   * id, in hex as etcdctl takes them (revisions in decimal).
   */
  List<String> resolve(List<String> args) {
    List<String> resolved = new ArrayList<>();
    for (String arg : normalizer.resolve(args)) {
      String out = REVISION_TOKEN.matcher(arg).replaceAll(m -> {
        Long revision = revisions.get(m.group(1));
        if (revision == null) {
          throw new IllegalStateException("no step marked revision " + m.group(1) + " yet"
              + " (or it printed none); marked: " + revisions);
        }
        return Long.toString(revision + (m.group(2) == null ? 0 : Long.parseLong(m.group(2))));
      });
      if (out.contains(FOLLOWER_TOKEN)) {
        out = out.replace(FOLLOWER_TOKEN, follower());
      }
      resolved.add(out);
    }
    return resolved;
  }

  /** The member id, in hex, of a member that is not the leader, as the members report it. */
  private String follower() {
    EtcdctlResult status = runner.run(List.of("endpoint", "status", "-w", "json"),
        Optional.empty());
    Matcher m = STATUS_IDS.matcher(status.stdout());
    while (m.find()) {
      if (!m.group(1).equals(m.group(2))) {
        return Long.toHexString(Long.parseUnsignedLong(m.group(1)));
      }
    }
    throw new IllegalStateException("no follower in " + cluster.kind() + "'s endpoint status: "
        + status.stdout() + status.stderr());
  }
}
