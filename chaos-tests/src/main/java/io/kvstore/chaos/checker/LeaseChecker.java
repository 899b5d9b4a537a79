package io.kvstore.chaos.checker;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kvstore.chaos.history.Event;
import io.kvstore.chaos.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a lease history (see {@code LeaseWorkload}): grants, keys put with a lease ({@code
 * ls/<lease hex>/<i>}), one {@code "keepalive"} operation per kept-alive lease with the time of
 * every confirmed refresh, revokes, the {@code "settle"} wait after healing, the {@code
 * "final-read"} of every key and the {@code "store-history"} of every deletion.
 *
 * <p>When could the store last have renewed a lease? Its lease lasts TTL after the leader
 * <em>received</em> the last renewal (a new leader only extends leases). A refresh is sent after
 * the previous one was answered (one at a time), so refresh i was received no earlier than the
 * answer to refresh i−1 (for the first, than the grant's answer; the grant itself, than its
 * invocation) and no later than its own answer. A keep-alive <b>never lapsed</b> up to time u if,
 * with those bounds, no gap between two receptions, nor between the last reception and u, can
 * reach the TTL.
 *
 * <ul>
 *   <li>{@code lease expiry}: a key whose lease was abandoned, or whose keep-alive was closed
 *       (released, revoked) or failed before the last successful settle began, is gone at the
 *       final read — provided the settle lasted more than the lease's TTL plus the election
 *       timeout (else that is reported);
 *   <li>{@code lease keep-alive}: every acknowledged key of a lease whose keep-alive still ran at
 *       the final read and never lapsed up to its end is present, at the acknowledged revision;
 *       no keep-alive was told "lease not found" before it could have lapsed;
 *   <li>{@code lease deletion atomicity}: all keys of one lease were deleted at one revision; none
 *       of its keys created before that revision survived; an acknowledged revoke's revision is
 *       that revision; a deletion's {@code prev_kv} names the lease of the key;
 *   <li>{@code lease keys}: every stored key was put by the workload, with the lease its name
 *       says; no put the store refused is stored.
 * </ul>
 *
 * <p>Thread-safety: stateless.
 */
public final class LeaseChecker {
  /** kv-server's default election timeout, by which a new leader extends every lease. */
  static final long ELECTION_TIMEOUT_NANOS = 1_000_000_000L;

  private LeaseChecker() {}

  /** What the history says about one granted lease. */
  static final class Lease {
    final long id;
    final String kind;
    final long ttlNanos;
    final Operation grant;
    Operation keepAlive;
    final List<Operation> puts = new ArrayList<>();
    final List<Operation> revokes = new ArrayList<>();

    Lease(long id, String kind, long ttlSeconds, Operation grant) {
      this.id = id;
      this.kind = kind;
      this.ttlNanos = ttlSeconds * 1_000_000_000L;
      this.grant = grant;
    }

    String name() {
      return kind + " lease " + Long.toHexString(id) + " (ttl " + ttlNanos / 1_000_000_000L
          + " s)";
    }

    String endReason() {
      return keepAlive == null || !keepAlive.ok() ? null
          : keepAlive.output().getAsJsonObject().get("end").getAsString();
    }

    /** When the last renewal could have been sent: grant's end if never kept alive. */
    long renewalsEnded() {
      if (keepAlive == null) {
        return grant.end();
      }
      return keepAlive.ok() ? keepAlive.end() : Operation.NEVER;
    }

    /**
     * The longest possible gap between receptions (and from the last to {@code until}) counting
     * refreshes answered up to {@code until}, in nanoseconds.
     */
    long longestGap(long until) {
      List<Long> lows = new ArrayList<>();
      List<Long> highs = new ArrayList<>();
      lows.add(grant.start());
      highs.add(grant.end());
      long previousAnswer = grant.end();
      if (keepAlive != null && keepAlive.ok()) {
        for (JsonElement e : keepAlive.output().getAsJsonObject().getAsJsonArray("refreshes")) {
          long answered = e.getAsJsonArray().get(0).getAsLong();
          if (answered > until) {
            break;
          }
          lows.add(previousAnswer);
          highs.add(answered);
          previousAnswer = answered;
        }
      }
      long gap = 0;
      for (int i = 1; i < highs.size(); i++) {
        gap = Math.max(gap, highs.get(i) - lows.get(i - 1));
      }
      return Math.max(gap, until - lows.get(lows.size() - 1));
    }
  }

  /** The history, sorted out by lease. */
  private static final class Parsed {
    final Map<Long, Lease> leases = new HashMap<>();
    final List<Operation> puts = new ArrayList<>();
    final Problems keysProblems = new Problems();
    Operation settle;
    Operation finalRead;
    Operation storeHistory;
    final Map<String, JsonArray> stored = new HashMap<>();
    final Map<String, List<JsonArray>> deletesByLease = new HashMap<>();
    int deletions;

    Parsed(List<Operation> ops) {
      List<Operation> keepAlives = new ArrayList<>();
      List<Operation> revokes = new ArrayList<>();
      for (Operation op : ops) {
        switch (op.f()) {
          case "grant" -> {
            if (op.ok()) {
              JsonObject out = op.output().getAsJsonObject();
              long id = out.get("id").getAsLong();
              leases.put(id, new Lease(id, out.get("kind").getAsString(),
                  out.get("ttl").getAsLong(), op));
            }
          }
          case "put-lease" -> puts.add(op);
          case "keepalive" -> keepAlives.add(op);
          case "revoke" -> revokes.add(op);
          case "settle" -> settle = op.ok() ? op : settle;
          case "final-read" -> finalRead = op.ok() ? op : finalRead;
          case "store-history" -> storeHistory = op.ok() ? op : storeHistory;
          default -> { }
        }
      }
      for (Operation k : keepAlives) {
        Lease l = leases.get(leaseOf(k));
        if (l == null) {
          keysProblems.add("keep-alive of a lease never granted: " + k);
        } else {
          l.keepAlive = k;
        }
      }
      for (Operation p : puts) {
        Lease l = leases.get(leaseOf(p));
        if (l != null) {
          l.puts.add(p);
        } else if (p.ok()) {
          keysProblems.add("acknowledged put with a lease never granted: " + p);
        }
      }
      for (Operation r : revokes) {
        Lease l = leases.get(leaseOf(r));
        if (l != null) {
          l.revokes.add(r);
        }
      }
      if (finalRead != null) {
        for (Map.Entry<String, JsonElement> e : finalRead.output().getAsJsonObject()
            .getAsJsonObject("keys").entrySet()) {
          stored.put(e.getKey(), e.getValue().getAsJsonArray());
        }
      }
      if (storeHistory != null) {
        for (JsonElement e : storeHistory.output().getAsJsonObject().getAsJsonArray("deletes")) {
          JsonArray d = e.getAsJsonArray();
          deletesByLease.computeIfAbsent(leaseHexOf(d.get(0).getAsString()),
              x -> new ArrayList<>()).add(d);
          deletions++;
        }
      }
    }

    /** Kept alive through the final read without a possible lapse: its keys must be there. */
    boolean mustKeepKeys(Lease l) {
      return l.keepAlive != null && l.keepAlive.ok() && !"not-found".equals(l.endReason())
          && l.keepAlive.end() >= finalRead.end()
          && l.longestGap(finalRead.end()) < l.ttlNanos;
    }

    /** No renewal since before the settle: its keys must be gone. */
    boolean mustBeGone(Lease l) {
      return settle != null && l.renewalsEnded() < settle.start();
    }
  }

  public static List<CheckResult> check(List<Operation> ops) {
    Parsed h = new Parsed(ops);
    if (h.finalRead == null || h.storeHistory == null) {
      String why = h.finalRead == null ? "no final read" : "no store history";
      return List.of(CheckResult.of("lease expiry", List.of(why)),
          CheckResult.of("lease keep-alive", List.of(why)),
          CheckResult.of("lease deletion atomicity", List.of(why)),
          CheckResult.of("lease keys", List.of(why)));
    }
    return List.of(
        expiry(h.leases, h.stored, h.settle, h.finalRead),
        keepAlive(h, h.leases, h.stored, h.finalRead, h.deletesByLease),
        atomicity(h.leases, h.stored, h.deletesByLease),
        keys(h.leases, h.puts, h.stored, h.keysProblems));
  }

  /** What the history gave the checks to judge, for the run's report. */
  public static String coverage(List<Operation> ops) {
    Parsed h = new Parsed(ops);
    if (h.finalRead == null) {
      return "no final read";
    }
    int kept = 0;
    int abandoned = 0;
    int keptThrough = 0;
    int keysKept = 0;
    int gone = 0;
    int keysGone = 0;
    int notFound = 0;
    for (Lease l : h.leases.values()) {
      if (l.kind.equals("kept")) {
        kept++;
      } else {
        abandoned++;
      }
      if ("not-found".equals(l.endReason())) {
        notFound++;
      }
      long acked = l.puts.stream().filter(Operation::ok).count();
      if (h.mustKeepKeys(l)) {
        keptThrough++;
        keysKept += acked;
      } else if (h.mustBeGone(l)) {
        gone++;
        keysGone += acked;
      }
    }
    return h.leases.size() + " leases (" + kept + " kept alive, " + abandoned + " abandoned); "
        + keptThrough + " kept through the end without a possible lapse (" + keysKept
        + " keys that must stay), " + gone + " ended before the settle (" + keysGone
        + " keys that must be gone), " + notFound + " keep-alives told the lease was gone; "
        + h.deletions + " deletions at " + h.deletesByLease.size() + " leases";
  }

  private static CheckResult expiry(Map<Long, Lease> leases, Map<String, JsonArray> stored,
      Operation settle, Operation finalRead) {
    Problems p = new Problems();
    if (settle == null) {
      p.add("no successful settle (a wait with a stable leader) before the final read");
      return CheckResult.of("lease expiry", p.list());
    }
    long settled = settle.end() - settle.start();
    for (Map.Entry<String, JsonArray> e : stored.entrySet()) {
      Lease l = leases.get(leaseOf(e.getKey()));
      if (l == null) {
        continue; // reported by "lease keys"
      }
      long ended = l.renewalsEnded();
      if (ended >= settle.start()) {
        continue; // still kept alive when the settle began: no verdict on expiry
      }
      if (settled <= l.ttlNanos + ELECTION_TIMEOUT_NANOS) {
        p.add("the settle lasted " + settled / 1_000_000 + " ms, not more than the TTL plus the"
            + " election timeout of " + l.name() + ": cannot check its expiry");
        continue;
      }
      String how = l.keepAlive == null ? "abandoned after its grant"
          : "its keep-alive ended (" + l.endReason() + ")";
      p.add(e.getKey() + " of " + l.name() + " is still stored at the final read (revision "
          + finalRead.revision() + "), " + (finalRead.start() - ended) / 1_000_000
          + " ms after " + how + " and " + (finalRead.start() - settle.start()) / 1_000_000
          + " ms after healing settled");
    }
    return CheckResult.of("lease expiry", p.list());
  }

  private static CheckResult keepAlive(Parsed h, Map<Long, Lease> leases,
      Map<String, JsonArray> stored, Operation finalRead,
      Map<String, List<JsonArray>> deletesByLease) {
    Problems p = new Problems();
    for (Lease l : leases.values()) {
      if (l.keepAlive == null || !l.keepAlive.ok()) {
        continue;
      }
      String reason = l.endReason();
      if ("not-found".equals(reason)) {
        long gap = l.longestGap(l.keepAlive.end());
        if (gap < l.ttlNanos) {
          p.add(l.name() + " was reported gone (lease not found) " + (l.keepAlive.end()
              - l.grant.start()) / 1_000_000 + " ms after its grant although its keep-alive"
              + " never lapsed (longest possible gap " + gap / 1_000_000 + " ms): " + l.keepAlive);
        }
        continue;
      }
      if (!h.mustKeepKeys(l)) {
        continue; // not kept alive through the final read, or it may have lapsed: no verdict
      }
      long gap = l.longestGap(finalRead.end());
      for (Operation put : l.puts) {
        if (!put.ok()) {
          continue;
        }
        JsonArray kv = stored.get(put.key());
        if (kv == null) {
          String deleted = "";
          for (JsonArray d : deletesByLease.getOrDefault(Long.toHexString(l.id), List.of())) {
            if (d.get(0).getAsString().equals(put.key())) {
              deleted = ", deleted at revision " + d.get(1).getAsLong();
            }
          }
          p.add(put.key() + " of " + l.name() + " is missing at the final read (revision "
              + finalRead.revision() + deleted + ") although its keep-alive never lapsed"
              + " (longest possible gap " + gap / 1_000_000 + " ms)");
        } else if (kv.get(0).getAsLong() != put.revision()) {
          p.add(put.key() + " of " + l.name() + " is stored at revision " + kv.get(0).getAsLong()
              + ", not at the acknowledged " + put.revision());
        }
      }
    }
    return CheckResult.of("lease keep-alive", p.list());
  }

  private static CheckResult atomicity(Map<Long, Lease> leases, Map<String, JsonArray> stored,
      Map<String, List<JsonArray>> deletesByLease) {
    Problems p = new Problems();
    for (Map.Entry<String, List<JsonArray>> e : deletesByLease.entrySet()) {
      String hex = e.getKey();
      TreeSet<Long> revisions = new TreeSet<>();
      List<String> keys = new ArrayList<>();
      for (JsonArray d : e.getValue()) {
        revisions.add(d.get(1).getAsLong());
        keys.add(d.get(0).getAsString() + "@" + d.get(1).getAsLong());
        boolean hasPrev = d.get(4).getAsLong() == 1;
        if (hasPrev && !Long.toHexString(d.get(3).getAsLong()).equals(hex)) {
          p.add("deletion of " + d.get(0).getAsString() + " at revision " + d.get(1).getAsLong()
              + " reports lease " + Long.toHexString(d.get(3).getAsLong())
              + " in prev_kv, not " + hex);
        }
      }
      if (revisions.size() > 1) {
        p.add("the keys of lease " + hex + " were deleted at " + revisions.size()
            + " revisions, not one: " + keys);
      }
      long first = revisions.first();
      for (Map.Entry<String, JsonArray> s : stored.entrySet()) {
        if (leaseHexOf(s.getKey()).equals(hex) && s.getValue().get(0).getAsLong() < first) {
          p.add(s.getKey() + " (stored at revision " + s.getValue().get(0).getAsLong()
              + ") survived the deletion of its lease " + hex + "'s other keys at revision "
              + first + ": " + keys);
        }
      }
      Lease l = leases.get(Long.parseUnsignedLong(hex, 16));
      if (l != null) {
        for (Operation r : l.revokes) {
          if (r.ok() && r.revision() > 0 && !revisions.contains(r.revision())) {
            p.add("acknowledged revoke of lease " + hex + " at revision " + r.revision()
                + ", but its keys were deleted at " + revisions + ": " + r);
          }
        }
      }
    }
    return CheckResult.of("lease deletion atomicity", p.list());
  }

  private static CheckResult keys(Map<Long, Lease> leases, List<Operation> puts,
      Map<String, JsonArray> stored, Problems p) {
    Set<String> tried = new HashSet<>();
    for (Operation put : puts) {
      tried.add(put.key());
      if (put.type() == Event.Type.FAIL && stored.containsKey(put.key())) {
        p.add("refused " + put + " is stored nevertheless");
      }
    }
    for (Map.Entry<String, JsonArray> e : stored.entrySet()) {
      if (!tried.contains(e.getKey())) {
        p.add(e.getKey() + " is stored but was never put");
      }
      long lease = e.getValue().get(1).getAsLong();
      if (!Long.toHexString(lease).equals(leaseHexOf(e.getKey()))) {
        p.add(e.getKey() + " is stored attached to lease " + Long.toHexString(lease));
      }
    }
    return CheckResult.of("lease keys", p.list());
  }

  /** {@code ls/<hex>[/<i>]} to the lease id, or 0. */
  static long leaseOf(Operation op) {
    if (op.input() != null && op.input().isJsonObject()
        && op.input().getAsJsonObject().has("lease")) {
      return op.input().getAsJsonObject().get("lease").getAsLong();
    }
    return leaseOf(op.key());
  }

  static long leaseOf(String key) {
    try {
      return Long.parseUnsignedLong(leaseHexOf(key), 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static String leaseHexOf(String key) {
    String[] parts = key.split("/");
    return parts.length >= 2 ? parts[1] : "";
  }
}
