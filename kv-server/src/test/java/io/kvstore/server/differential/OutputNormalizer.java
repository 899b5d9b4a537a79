package io.kvstore.server.differential;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites one cluster's etcdctl output so that it can be compared with another cluster's: what
 * differs between two correct clusters by nature (ids, raft terms and indexes, addresses, member
 * names, times, sizes) becomes a token, while revisions, keys, values, versions, counts, create
 * and mod revisions, hashes, error texts and exit codes are left exactly as printed, because those
 * are what must match.
 *
 * <ul>
 *   <li>Cluster and member ids, decimal ({@code -w json}, {@code -w fields}) or hex (simple
 *       output) become {@code <cluster-id>} and {@code <member-id>}; zero, which nested txn
 *       response headers carry, is kept.
 *   <li>Lease ids become {@code <lease-1>}, {@code <lease-2>}, ... in order of first appearance
 *       in this cluster's output, the same token for the hex and the decimal form; {@link
 *       #resolve} maps a token in a command's arguments back to this cluster's id.
 *   <li>Once learnt in one of the contexts above, an id of more than 32 bits is also replaced
 *       wherever else it appears, in either form (hex with or without leading zeros).
 *   <li>Non-zero raft terms and indexes become {@code <raft-term>} and {@code <raft-index>}.
 *   <li>This cluster's client and peer addresses become {@code <client-address>} and {@code
 *       <peer-address>}; member names in member lists become {@code <member-name>}.
 *   <li>Timestamps (RFC 3339, and the {@code ts} of etcdctl's JSON log lines), the random client
 *       id in gRPC targets ({@code client-<uuid>}), {@code took} durations, database and snapshot
 *       sizes and the remaining TTL of a lease (unless negative: expired) become tokens.
 *   <li>The keys attached to a lease ({@code lease timetolive --keys}) are sorted: etcd lists them
 *       in Go map order, which changes from run to run.
 *   <li>KV hashes ({@code endpoint hashkv}) become {@code <hash-1>}, {@code <hash-2>}, ... in
 *       order of first appearance within one output: their values follow the storage format, so
 *       differ between etcd and kvstore, but members of one cluster must agree on them, which the
 *       numbering keeps visible.
 * </ul>
 *
 * <p>{@code -w table} output is not normalised: its column widths follow the very values that
 * become tokens. Scripts compare {@code simple}, {@code json} and {@code fields} output.
 *
 * <p>Not thread-safe: it learns ids as it goes, so each cluster's outputs must pass through its
 * own instance, in the order the commands ran.
 */
final class OutputNormalizer {
  private static final String DEC = "([1-9][0-9]*)";
  private static final String HEX = "([0-9a-f]{1,16})";
  /** A hex id in free text, long enough not to be an English word such as "add". */
  private static final String LONG_HEX = "([0-9a-f]{8,16})";

  private static final List<Pattern> CLUSTER_DEC = patterns(
      "\"cluster_id\":" + DEC, "\"ClusterID\" : " + DEC);
  private static final List<Pattern> CLUSTER_HEX = patterns(
      "(?:to|from|in) cluster " + LONG_HEX + "\\b");
  private static final List<Pattern> MEMBER_DEC = patterns(
      "\"member_id\":" + DEC, "\"MemberID\" : " + DEC, "\"leader\":" + DEC,
      "\"Leader\" : " + DEC, "\"ID\":" + DEC + ",\"(?:name|peerURLs)\"", "\"memberID\":" + DEC);
  private static final List<Pattern> MEMBER_HEX = patterns(
      "(?m)^" + HEX + ", (?:started|unstarted), ",
      "(?m)^[^,\\n]+, " + HEX + ", \\d+\\.\\d+\\.\\d+, ",
      "\\b[Mm]ember " + LONG_HEX + " ",
      "\\bmemberID:" + HEX + " ",
      "transferred from " + LONG_HEX + " ",
      "transferred from \\S+ to " + LONG_HEX + "\\b");
  private static final List<Pattern> LEASE_DEC = patterns(
      "\"ID\":" + DEC + ",\"TTL\"", "\"id\":" + DEC, "\"lease\":" + DEC, "\"Lease\" : " + DEC);
  private static final List<Pattern> LEASE_HEX = patterns(
      "\\blease " + HEX + " (?=granted|revoked|keepalived|expired)");
  /** The ids under "found N leases", one a line. */
  private static final Pattern LEASE_LIST =
      Pattern.compile("\\Afound \\d+ leases\\n((?:[0-9a-f]+\\n?)*)");

  private static final Pattern RAFT_TERM = Pattern.compile(
      "(\"raft_term\":|\"RaftTerm\" : |\"raftTerm\":)[1-9][0-9]*");
  private static final Pattern RAFT_INDEX = Pattern.compile("(\"raftIndex\":|\"raftAppliedIndex\":"
      + "|\"RaftIndex\" : |\"RaftAppliedIndex\" : )[1-9][0-9]*");
  /** {@code endpoint status} simple output: endpoint, id, version, size, leader, learner, ... */
  private static final Pattern STATUS_LINE = Pattern.compile(
      "(?m)^([^,\\n]+, [^,\\n]+, [^,\\n]+, [^,\\n]+, (?:true|false), (?:true|false), )"
          + "\\d+, \\d+, \\d+, ");
  private static final Pattern DB_SIZE_FIELD = Pattern.compile(
      "(\"dbSize\":|\"dbSizeInUse\":|\"DBSize\" : |\"DBSizeInUse\" : )[0-9]+");
  /**
   * A size as etcdctl prints it for people, on a simple {@code endpoint status} line or a {@code
   * snapshot status} line ({@code hash, revision, keys, size}) only, never in data.
   */
  private static final Pattern DB_SIZE_HUMAN = Pattern.compile(
      "(?m)^((?:http://)?<client-address>, .*?|[0-9a-f]+, \\d+, \\d+, )"
          + "\\b[0-9]+(?:\\.[0-9]+)? (?:B|kB|MB|GB|TB)\\b");
  private static final Pattern MEMBER_NAME_JSON = Pattern.compile("\"name\":\"[^\"]+\"");
  private static final Pattern MEMBER_NAME_LINE = Pattern.compile(
      "(?m)^(<member-id>, (?:started|unstarted), )[^,\\n]+, ");
  private static final Pattern LOG_TS = Pattern.compile("\"ts\":(?:\"[^\"]*\"|[0-9.e+-]+)");
  private static final Pattern RFC_3339 = Pattern.compile(
      "\\b\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?");
  private static final Pattern CLIENT_UUID = Pattern.compile(
      "client-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern TOOK = Pattern.compile(
      "took = \\S+|\"took\":(?:\"[^\"]*\"|[0-9.e+-]+)");
  private static final Pattern REMAINING_TTL = Pattern.compile(
      "remaining\\(\\d+s\\)|\"ttl\":\\d+");
  /** The {@code size} of etcdctl's {@code fetched snapshot} log line, e.g. {@code "20 kB"}. */
  private static final Pattern SNAPSHOT_SIZE = Pattern.compile(
      "\"size\":\"[0-9]+(?:\\.[0-9]+)? (?:B|kB|MB|GB|TB)\"");
  /** A hash: {@code endpoint hashkv} simple lines and {@code "hash":N} in JSON. */
  private static final List<Pattern> HASHES = patterns(
      "(?m)^\\S*<client-address>, ([0-9]+)$", "\"hash\":([0-9]+)");
  /** The keys of {@code lease timetolive --keys}: simple (space-separated) and JSON output. */
  private static final Pattern ATTACHED_KEYS =
      Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)");
  private static final Pattern ATTACHED_KEYS_JSON = Pattern.compile("\"keys\":\\[([^\\]]*)\\]");
  private static final Pattern LEASE_TOKEN = Pattern.compile("<lease-(\\d+)>");

  /** Ids above this many bits are unlikely enough to collide with data to replace anywhere. */
  private static final int GLOBAL_REPLACE_MIN_BITS = 33;

  /** Literal address to its token; client addresses first. */
  private final Map<String, String> addresses = new LinkedHashMap<>();
  /** Lease id (unsigned value) to its token, in order of first appearance. */
  private final Map<Long, String> leases = new LinkedHashMap<>();
  private final Set<Long> members = new HashSet<>();
  private final Set<Long> clusters = new HashSet<>();

  /** A normalizer for the cluster with these client and peer addresses ({@code host:port}). */
  OutputNormalizer(List<String> clientAddresses, List<String> peerAddresses) {
    clientAddresses.forEach(a -> addresses.put(a, "<client-address>"));
    peerAddresses.forEach(a -> addresses.put(a, "<peer-address>"));
  }

  /** A normalizer for {@code cluster}'s output. */
  static OutputNormalizer of(TestCluster cluster) {
    return new OutputNormalizer(cluster.clientAddresses(), cluster.peerAddresses());
  }

  /** {@code text} with every unstable part replaced by its token; learns ids on the way. */
  String normalize(String text) {
    String out = text;
    for (Map.Entry<String, String> address : addresses.entrySet()) {
      out = Pattern.compile("(?<![0-9.])" + Pattern.quote(address.getKey()) + "(?![0-9])")
          .matcher(out).replaceAll(Matcher.quoteReplacement(address.getValue()));
    }
    out = LOG_TS.matcher(out).replaceAll(m -> m.group().startsWith("\"ts\":\"")
        ? "\"ts\":\"<timestamp>\"" : "\"ts\":<timestamp>");
    out = RFC_3339.matcher(out).replaceAll("<timestamp>");
    out = CLIENT_UUID.matcher(out).replaceAll("client-<uuid>");
    out = TOOK.matcher(out).replaceAll(m -> m.group().startsWith("took")
        ? "took = <duration>" : Matcher.quoteReplacement("\"took\":\"<duration>\""));

    out = ids(out, CLUSTER_DEC, 10, clusters, v -> "<cluster-id>");
    out = ids(out, CLUSTER_HEX, 16, clusters, v -> "<cluster-id>");
    out = ids(out, MEMBER_DEC, 10, members, v -> "<member-id>");
    out = ids(out, MEMBER_HEX, 16, members, v -> "<member-id>");
    out = ids(out, LEASE_DEC, 10, null, this::leaseToken);
    out = ids(out, LEASE_HEX, 16, null, this::leaseToken);
    out = leaseList(out);
    out = everywhere(out);

    out = RAFT_TERM.matcher(out).replaceAll("$1<raft-term>");
    out = RAFT_INDEX.matcher(out).replaceAll("$1<raft-index>");
    out = DB_SIZE_FIELD.matcher(out).replaceAll("$1<db-size>");
    out = DB_SIZE_HUMAN.matcher(out).replaceAll("$1<db-size>");
    out = STATUS_LINE.matcher(out).replaceAll("$1<raft-term>, <raft-index>, <raft-index>, ");
    out = MEMBER_NAME_JSON.matcher(out).replaceAll("\"name\":\"<member-name>\"");
    out = MEMBER_NAME_LINE.matcher(out).replaceAll("$1<member-name>, ");
    out = SNAPSHOT_SIZE.matcher(out).replaceAll("\"size\":\"<db-size>\"");
    out = hashes(out);
    out = sorted(out, ATTACHED_KEYS, " ");
    out = sorted(out, ATTACHED_KEYS_JSON, ",");
    out = REMAINING_TTL.matcher(out).replaceAll(m -> m.group().startsWith("remaining")
        ? "remaining(<ttl>)" : "\"ttl\":<ttl>");
    return out;
  }

  /** {@code args} with every lease token replaced by this cluster's lease id in hex. */
  List<String> resolve(List<String> args) {
    List<String> resolved = new ArrayList<>();
    for (String arg : args) {
      resolved.add(LEASE_TOKEN.matcher(arg).replaceAll(m -> leases.entrySet().stream()
          .filter(e -> e.getValue().equals(m.group()))
          .map(e -> Long.toHexString(e.getKey()))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no lease was seen as " + m.group()
              + " yet; leases seen: " + leases.values()))));
    }
    return resolved;
  }

  private String leaseToken(long id) {
    return leases.computeIfAbsent(id, v -> "<lease-" + (leases.size() + 1) + ">");
  }

  /**
   * Replaces group 1 of every match of {@code patterns}, a number in {@code radix}, with its
   * token, adding the value to {@code learnt} when given.
   */
  private static String ids(String text, List<Pattern> patterns, int radix, Set<Long> learnt,
      Function<Long, String> token) {
    String out = text;
    for (Pattern pattern : patterns) {
      Matcher m = pattern.matcher(out);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        long value = Long.parseUnsignedLong(m.group(1), radix);
        if (value == 0) {
          continue;
        }
        if (learnt != null) {
          learnt.add(value);
        }
        String replaced = out.substring(m.start(), m.start(1)) + token.apply(value)
            + out.substring(m.end(1), m.end());
        m.appendReplacement(sb, Matcher.quoteReplacement(replaced));
      }
      m.appendTail(sb);
      out = sb.toString();
    }
    return out;
  }

  /** {@code text} with group 1 of each {@code list} match, split at {@code separator}, sorted. */
  private static String sorted(String text, Pattern list, String separator) {
    return list.matcher(text).replaceAll(m -> {
      String items = String.join(separator,
          java.util.Arrays.stream(m.group(1).split(Pattern.quote(separator), -1)).sorted()
              .toList());
      return Matcher.quoteReplacement(text.substring(m.start(), m.start(1)) + items
          + text.substring(m.end(1), m.end()));
    });
  }

  /** Numbers the distinct hashes of {@code text} in order of first appearance. */
  private static String hashes(String text) {
    Map<String, String> tokens = new LinkedHashMap<>();
    String out = text;
    for (Pattern pattern : HASHES) {
      Matcher m = pattern.matcher(out);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String token = tokens.computeIfAbsent(m.group(1),
            h -> "<hash-" + (tokens.size() + 1) + ">");
        m.appendReplacement(sb, Matcher.quoteReplacement(out.substring(m.start(), m.start(1))
            + token + out.substring(m.end(1), m.end())));
      }
      m.appendTail(sb);
      out = sb.toString();
    }
    return out;
  }

  /** Replaces the ids that {@code etcdctl lease list} prints one a line. */
  private String leaseList(String text) {
    Matcher m = LEASE_LIST.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder ids = new StringBuilder();
    for (String line : m.group(1).split("\n", -1)) {
      ids.append(line.isEmpty() ? "" : leaseToken(Long.parseUnsignedLong(line, 16))).append('\n');
    }
    ids.setLength(ids.length() - 1);
    return text.substring(0, m.start(1)) + ids + text.substring(m.end(1));
  }

  /** Replaces learnt ids above {@link #GLOBAL_REPLACE_MIN_BITS} bits wherever they appear. */
  private String everywhere(String text) {
    Map<Long, String> tokens = new LinkedHashMap<>();
    clusters.forEach(id -> tokens.put(id, "<cluster-id>"));
    members.forEach(id -> tokens.put(id, "<member-id>"));
    tokens.putAll(leases);
    String out = text;
    for (Map.Entry<Long, String> id : tokens.entrySet()) {
      if (64 - Long.numberOfLeadingZeros(id.getKey()) < GLOBAL_REPLACE_MIN_BITS) {
        continue;
      }
      String token = Matcher.quoteReplacement(id.getValue());
      out = Pattern.compile("(?<![0-9a-zA-Z])" + Long.toUnsignedString(id.getKey())
          + "(?![0-9a-zA-Z])")
          .matcher(out).replaceAll(token);
      // hex as etcdctl prints ids: %16x pads short ids with spaces, %016x with zeros
      String hex = Long.toHexString(id.getKey());
      out = Pattern.compile("(?<![0-9a-zA-Z]) {" + (16 - hex.length()) + "}" + hex
          + "(?![0-9a-zA-Z])").matcher(out).replaceAll(token);
      out = Pattern.compile("(?<![0-9a-zA-Z])0*" + Long.toHexString(id.getKey())
          + "(?![0-9a-zA-Z])").matcher(out).replaceAll(token);
    }
    return out;
  }

  private static List<Pattern> patterns(String... regexes) {
    return java.util.Arrays.stream(regexes).map(Pattern::compile).toList();
  }
}
