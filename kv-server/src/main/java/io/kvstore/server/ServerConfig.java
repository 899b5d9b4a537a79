package io.kvstore.server;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Immutable and thread-safe. The settings of one kv-server member, named after etcd's flags; {@link
 * #validate} says which flag is wrong and why, in one line, with etcd's texts where etcd has one.
 *
 * @param name this member's name; must appear in {@code initialCluster}
 * @param dataDir where the member keeps its log and snapshots ({@code <name>.etcd} by default)
 * @param listenPeerUrls where the member accepts peer traffic
 * @param initialAdvertisePeerUrls this member's peer URLs as the other members reach them; for a
 *     new cluster the same set as this member's entry in {@code initialCluster}
 * @param listenClientUrls where the member accepts client traffic
 * @param advertiseClientUrls this member's client URLs as clients reach them
 * @param initialCluster every initial member, in the order given, with its peer URLs
 * @param initialClusterState whether this member bootstraps a new cluster or joins an existing one
 * @param initialClusterToken salts the member and cluster ids, so two clusters started from the
 *     same URLs still get different ids
 * @param heartbeatIntervalMs time between leader heartbeats; one Raft tick
 * @param electionTimeoutMs time without a leader before a follower campaigns; at least 5 heartbeats
 *     and at most {@value #MAX_ELECTION_TIMEOUT_MS} ms
 * @param snapshotCount applied entries between two snapshots
 * @param maxRequestBytes the largest client request a member proposes to Raft
 * @param quotaBackendBytes the backend size that raises the NOSPACE alarm; 0 means etcd's default
 *     of {@value #DEFAULT_QUOTA_BACKEND_BYTES} bytes and a negative value disables the quota
 * @param maxTxnOps the most operations one txn may hold
 * @param listenMetricsUrls where to serve {@code /metrics}, {@code /health} and {@code /version}
 *     over plain HTTP besides the client URLs; may be empty
 * @param corruptCheckTime how often the leader compares every member's key-space hash and raises
 *     CORRUPT for a member that differs; zero disables the check (etcd's default)
 * @param initialCorruptCheck whether the member compares its key-space hash with its peers'
 *     before starting, and refuses to start if one differs
 */
public record ServerConfig(
    String name,
    Path dataDir,
    List<URI> listenPeerUrls,
    List<URI> initialAdvertisePeerUrls,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    Map<String, List<URI>> initialCluster,
    ClusterState initialClusterState,
    String initialClusterToken,
    int heartbeatIntervalMs,
    int electionTimeoutMs,
    long snapshotCount,
    int maxRequestBytes,
    long quotaBackendBytes,
    int maxTxnOps,
    List<URI> listenMetricsUrls,
    Duration corruptCheckTime,
    boolean initialCorruptCheck) {

  /** etcd's upper bound for {@code --election-timeout}. */
  public static final int MAX_ELECTION_TIMEOUT_MS = 50_000;
  /** etcd's default {@code --max-request-bytes}: 1.5 MiB. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;
  /** etcd's backend quota when {@code --quota-backend-bytes} is 0: 2 GiB. */
  public static final long DEFAULT_QUOTA_BACKEND_BYTES = 2L << 30;
  /** etcd's default {@code --max-txn-ops}. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  /** {@code --initial-cluster-state}: bootstrap a new cluster or join a running one. */
  public enum ClusterState {
    NEW,
    EXISTING;

    /** The flag value, as etcd spells it. */
    public String flagValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ServerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataDir, "dataDir");
    listenPeerUrls = List.copyOf(listenPeerUrls);
    initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
    listenClientUrls = List.copyOf(listenClientUrls);
    advertiseClientUrls = List.copyOf(advertiseClientUrls);
    Map<String, List<URI>> members = new LinkedHashMap<>();
    initialCluster.forEach((member, urls) -> members.put(member, List.copyOf(urls)));
    initialCluster = Collections.unmodifiableMap(members);
    Objects.requireNonNull(initialClusterState, "initialClusterState");
    Objects.requireNonNull(initialClusterToken, "initialClusterToken");
    listenMetricsUrls = List.copyOf(listenMetricsUrls);
    Objects.requireNonNull(corruptCheckTime, "corruptCheckTime");
  }

  /**
   * Throws {@link ConfigException} naming the first wrong flag; checks the fields one by one, then
   * how they fit together.
   */
  public void validate() {
    if (name.isBlank()) {
      throw new ConfigException("--name must not be empty");
    }
    HttpUrls.checkAll("--listen-peer-urls", listenPeerUrls);
    HttpUrls.checkAll("--initial-advertise-peer-urls", initialAdvertisePeerUrls);
    HttpUrls.checkAll("--listen-client-urls", listenClientUrls);
    HttpUrls.checkAll("--advertise-client-urls", advertiseClientUrls);
    if (initialCluster.isEmpty()) {
      throw new ConfigException(InitialClusterFlag.FLAG + " must not be empty");
    }
    initialCluster.values().forEach(urls -> HttpUrls.checkAll(InitialClusterFlag.FLAG, urls));
    checkTiming();
    if (snapshotCount <= 0) {
      throw new ConfigException("--snapshot-count must be >0 (set to " + snapshotCount + ")");
    }
    if (maxRequestBytes <= 0) {
      throw new ConfigException("--max-request-bytes must be >0 (set to " + maxRequestBytes + ")");
    }
    if (maxTxnOps <= 0) {
      throw new ConfigException("--max-txn-ops must be >0 (set to " + maxTxnOps + ")");
    }
    if (!listenMetricsUrls.isEmpty()) {
      HttpUrls.checkAll("--listen-metrics-urls", listenMetricsUrls);
    }
    if (corruptCheckTime.isNegative()) {
      throw new ConfigException("--experimental-corrupt-check-time must not be negative (set to "
          + GoDuration.format(corruptCheckTime) + ")");
    }
    checkLocalMember();
    if (initialClusterState == ClusterState.NEW) {
      checkAdvertiseMatchesCluster();
    }
    checkDuplicateUrl();
  }

  /** The backend size that raises NOSPACE, as etcd reads the flag; Long.MAX_VALUE if disabled. */
  public long quotaBytes() {
    if (quotaBackendBytes < 0) {
      return Long.MAX_VALUE;
    }
    return quotaBackendBytes == 0 ? DEFAULT_QUOTA_BACKEND_BYTES : quotaBackendBytes;
  }

  /** Ticks without a leader before a follower campaigns: election timeout / heartbeat interval. */
  public int electionTick() {
    return electionTimeoutMs / heartbeatIntervalMs;
  }

  /** This member's id, derived from its {@code initialCluster} entry as etcd does. */
  public long memberId() {
    checkLocalMember();
    return MemberIds.memberId(initialCluster.get(name), initialClusterToken);
  }

  /** Every initial member's id by name, in {@code initialCluster} order. */
  public Map<String, Long> memberIds() {
    Map<String, Long> ids = new LinkedHashMap<>();
    initialCluster.forEach(
        (member, urls) -> ids.put(member, MemberIds.memberId(urls, initialClusterToken)));
    return Collections.unmodifiableMap(ids);
  }

  /** The cluster id, derived from the initial members' ids as etcd does. */
  public long clusterId() {
    return MemberIds.clusterId(memberIds().values());
  }

  private void checkTiming() {
    if (heartbeatIntervalMs <= 0) {
      throw new ConfigException(
          "--heartbeat-interval must be >0 (set to %dms)".formatted(heartbeatIntervalMs));
    }
    if (electionTimeoutMs <= 0) {
      throw new ConfigException(
          "--election-timeout must be >0 (set to %dms)".formatted(electionTimeoutMs));
    }
    if (5L * heartbeatIntervalMs > electionTimeoutMs) {
      throw new ConfigException(
          "--election-timeout[%dms] should be at least as 5 times as --heartbeat-interval[%dms]"
              .formatted(electionTimeoutMs, heartbeatIntervalMs));
    }
    if (electionTimeoutMs > MAX_ELECTION_TIMEOUT_MS) {
      throw new ConfigException(
          "--election-timeout[%dms] is too long, and should be set less than %dms"
              .formatted(electionTimeoutMs, MAX_ELECTION_TIMEOUT_MS));
    }
  }

  private void checkLocalMember() {
    if (!initialCluster.containsKey(name)) {
      throw new ConfigException(
          "--name: couldn't find local name \"%s\" in the initial cluster configuration (%s=%s)"
              .formatted(name, InitialClusterFlag.FLAG, InitialClusterFlag.format(initialCluster)));
    }
  }

  private void checkAdvertiseMatchesCluster() {
    List<URI> clusterUrls = initialCluster.get(name);
    Set<String> advertised = strings(initialAdvertisePeerUrls);
    Set<String> inCluster = strings(clusterUrls);
    String missingFromAdvertised =
        inCluster.stream()
            .filter(url -> !advertised.contains(url))
            .map(url -> name + "=" + url)
            .collect(Collectors.joining(","));
    if (!missingFromAdvertised.isEmpty()) {
      throw new ConfigException(
          "--initial-cluster has %s but missing from --initial-advertise-peer-urls=%s"
              .formatted(missingFromAdvertised, HttpUrls.join(initialAdvertisePeerUrls)));
    }
    String missingFromCluster =
        advertised.stream()
            .filter(url -> !inCluster.contains(url))
            .collect(Collectors.joining(","));
    if (!missingFromCluster.isEmpty()) {
      throw new ConfigException(
          "--initial-advertise-peer-urls has %s but missing from --initial-cluster=%s"
              .formatted(missingFromCluster, InitialClusterFlag.format(Map.of(name, clusterUrls))));
    }
  }

  private void checkDuplicateUrl() {
    Set<String> seen = new HashSet<>();
    for (List<URI> urls : initialCluster.values()) {
      for (URI url : urls) {
        if (!seen.add(url.toString())) {
          throw new ConfigException(
              "--initial-cluster: initial cluster %s has duplicate url %s"
                  .formatted(InitialClusterFlag.format(initialCluster), url));
        }
      }
    }
  }

  private static Set<String> strings(List<URI> urls) {
    return urls.stream().map(URI::toString).collect(Collectors.toCollection(LinkedHashSet::new));
  }
}
