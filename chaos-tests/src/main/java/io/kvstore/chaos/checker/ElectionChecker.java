package io.kvstore.chaos.checker;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kvstore.chaos.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a leader-election history (see {@code ElectionWorkload}): terms ({@code f = "term"},
 * input {@code {replica, token}}, from {@code onStartedLeading} to the term's stop, one clock),
 * guarded writes ({@code "guarded-write"} of {@code ed/<token>/<seq>}, ok / fail / info), the
 * final read of every written key ({@code "final-read"}: key to [mod revision, lease, value]) and
 * every deletion under the election prefix ({@code "store-history"}: [key, delete revision,
 * create revision, lease, prevKv]).
 *
 * <ul>
 *   <li>{@code election tokens}: ordered by start, terms have strictly increasing fencing tokens
 *       (so no token twice);
 *   <li>{@code election single leader}: no term starts before every earlier-started term has
 *       stopped — no two replicas (nor two terms of one) believe they lead at the same instant; a
 *       term that never stopped lasts forever;
 *   <li>{@code election fencing}: every stored write of term T has a mod revision above T and
 *       below the revision that deleted T's leader key, and T is a term some replica began; every
 *       term followed by another had its leader key deleted (the next one could not be elected
 *       otherwise);
 *   <li>{@code election durability}: every acknowledged guarded write is stored, at the revision
 *       acknowledged, with its value; no refused (fail) write is stored; nothing is stored that
 *       no replica tried to write.
 * </ul>
 *
 * <p>The fencing token is the leader key's create revision, assigned when the replica joined the
 * queue, not when it was elected; so the deletion is matched on the create revision, which the
 * store-history records per deletion.
 *
 * <p>Thread-safety: stateless.
 */
public final class ElectionChecker {

  private ElectionChecker() {}

  /** A term as recorded. */
  record Term(Operation op, String replica, long token) {
    long start() {
      return op.start();
    }

    long end() {
      return op.ok() ? op.end() : Operation.NEVER;
    }

    @Override
    public String toString() {
      return replica + " term " + token + " [" + start() + ", "
          + (end() == Operation.NEVER ? "never stopped" : end()) + "] (op " + op.id() + ")";
    }
  }

  public static List<CheckResult> check(List<Operation> ops) {
    List<Term> terms = new ArrayList<>();
    List<Operation> writes = new ArrayList<>();
    Operation finalRead = null;
    Operation storeHistory = null;
    for (Operation op : ops) {
      switch (op.f()) {
        case "term" -> {
          JsonObject in = op.input().getAsJsonObject();
          terms.add(new Term(op, in.get("replica").getAsString(), in.get("token").getAsLong()));
        }
        case "guarded-write" -> writes.add(op);
        case "final-read" -> finalRead = op.ok() ? op : finalRead;
        case "store-history" -> storeHistory = op.ok() ? op : storeHistory;
        default -> { }
      }
    }
    terms.sort(Comparator.comparingLong(Term::start));
    List<CheckResult> results = new ArrayList<>();
    results.add(tokens(terms));
    results.add(singleLeader(terms));
    Map<String, JsonArray> stored = finalRead == null ? null : stored(finalRead);
    results.add(fencing(terms, writes, stored, storeHistory));
    results.add(durability(writes, stored));
    return results;
  }

  /** What the history gave the checks to judge, for the run's report. */
  public static String coverage(List<Operation> ops) {
    int terms = 0;
    int ok = 0;
    int refused = 0;
    int unknown = 0;
    Set<String> replicas = new HashSet<>();
    int stored = 0;
    int deletions = 0;
    for (Operation op : ops) {
      switch (op.f()) {
        case "term" -> {
          terms++;
          replicas.add(op.input().getAsJsonObject().get("replica").getAsString());
        }
        case "guarded-write" -> {
          if (op.ok()) {
            ok++;
          } else if (op.unknown()) {
            unknown++;
          } else {
            refused++;
          }
        }
        case "final-read" -> stored = op.ok()
            ? op.output().getAsJsonObject().getAsJsonObject("keys").size() : stored;
        case "store-history" -> deletions = op.ok()
            ? op.output().getAsJsonObject().getAsJsonArray("deletes").size() : deletions;
        default -> { }
      }
    }
    return terms + " terms of " + replicas.size() + " replicas; guarded writes: " + ok
        + " acknowledged, " + refused + " refused, " + unknown + " unknown; " + stored
        + " stored; " + deletions + " deletions under the election prefix";
  }

  private static CheckResult tokens(List<Term> terms) {
    Problems p = new Problems();
    for (int i = 1; i < terms.size(); i++) {
      Term a = terms.get(i - 1);
      Term b = terms.get(i);
      if (b.token() <= a.token()) {
        p.add(b + " began after " + a + " with a fencing token not above it");
      }
    }
    return CheckResult.of("election tokens", p.list());
  }

  private static CheckResult singleLeader(List<Term> terms) {
    Problems p = new Problems();
    Term longest = null;
    for (Term t : terms) {
      if (longest != null && t.start() < longest.end()) {
        p.add(t + " began while " + longest + " still led"
            + (longest.end() == Operation.NEVER ? ""
                : " (overlap " + (longest.end() - t.start()) / 1_000_000.0 + " ms)"));
      }
      if (longest == null || t.end() > longest.end()) {
        longest = t;
      }
    }
    return CheckResult.of("election single leader", p.list());
  }

  private static CheckResult fencing(List<Term> terms, List<Operation> writes,
      Map<String, JsonArray> stored, Operation storeHistory) {
    Problems p = new Problems();
    if (stored == null || storeHistory == null) {
      p.add("no final read or store history to check against"
          + (stored == null ? " (final read missing)" : " (store history missing)"));
      return CheckResult.of("election fencing", p.list());
    }
    // Create revision (token) of each deleted key under the election prefix -> delete revision.
    Map<Long, Long> deletedAt = new HashMap<>();
    for (JsonElement e : storeHistory.output().getAsJsonObject().getAsJsonArray("deletes")) {
      JsonArray d = e.getAsJsonArray();
      long createRev = d.get(2).getAsLong();
      if (createRev <= 0) {
        p.add("deletion of " + d.get(0).getAsString() + " at revision " + d.get(1).getAsLong()
            + " without the deleted key's create revision");
        continue;
      }
      deletedAt.put(createRev, d.get(1).getAsLong());
    }
    Set<Long> tokens = new HashSet<>();
    terms.forEach(t -> tokens.add(t.token()));
    for (Map.Entry<String, JsonArray> e : stored.entrySet()) {
      long token = tokenOf(e.getKey());
      long mod = e.getValue().get(0).getAsLong();
      if (!tokens.contains(token)) {
        p.add(e.getKey() + " stored at revision " + mod + " for term " + token
            + ", which no replica began");
      }
      if (mod <= token) {
        p.add(e.getKey() + " stored at revision " + mod + ", not after its term's leader key"
            + " was created at " + token);
      }
      Long deleted = deletedAt.get(token);
      if (deleted != null && mod >= deleted) {
        p.add(e.getKey() + " of term " + token + " landed at revision " + mod
            + ", after the term's leader key was deleted at revision " + deleted
            + writer(writes, e.getKey()));
      }
    }
    for (Operation w : writes) {
      long token = tokenOf(w.key());
      Long deleted = deletedAt.get(token);
      if (w.ok() && deleted != null && w.revision() >= deleted) {
        p.add("acknowledged " + w + " at revision " + w.revision()
            + ", after its term's leader key was deleted at " + deleted);
      }
    }
    for (int i = 0; i + 1 < terms.size(); i++) {
      Term t = terms.get(i);
      if (!deletedAt.containsKey(t.token())) {
        p.add(t + " was followed by " + terms.get(i + 1)
            + ", yet the store never deleted its leader key (create revision " + t.token() + ")");
      }
    }
    return CheckResult.of("election fencing", p.list());
  }

  private static String writer(List<Operation> writes, String key) {
    for (Operation w : writes) {
      if (w.key().equals(key)) {
        return "; written by " + w;
      }
    }
    return "";
  }

  private static CheckResult durability(List<Operation> writes, Map<String, JsonArray> stored) {
    Problems p = new Problems();
    if (stored == null) {
      p.add("no final read");
      return CheckResult.of("election durability", p.list());
    }
    Set<String> tried = new HashSet<>();
    for (Operation w : writes) {
      tried.add(w.key());
      JsonArray kv = stored.get(w.key());
      String value = w.input().getAsJsonObject().get("v").getAsString();
      if (w.ok()) {
        if (kv == null) {
          p.add("acknowledged " + w + " is not stored");
        } else if (kv.get(0).getAsLong() != w.revision()) {
          p.add("acknowledged " + w + " is stored at revision " + kv.get(0).getAsLong()
              + ", not at the acknowledged " + w.revision());
        } else if (!value.equals(kv.get(2).getAsString())) {
          p.add("acknowledged " + w + " is stored with value " + kv.get(2).getAsString());
        }
      } else if (w.type() == io.kvstore.chaos.history.Event.Type.FAIL && kv != null) {
        p.add("refused " + w + " is stored nevertheless, at revision " + kv.get(0).getAsLong());
      }
    }
    for (String key : stored.keySet()) {
      if (!tried.contains(key)) {
        p.add(key + " is stored but no replica wrote it");
      }
    }
    return CheckResult.of("election durability", p.list());
  }

  private static Map<String, JsonArray> stored(Operation finalRead) {
    Map<String, JsonArray> m = new HashMap<>();
    for (Map.Entry<String, JsonElement> e : finalRead.output().getAsJsonObject()
        .getAsJsonObject("keys").entrySet()) {
      m.put(e.getKey(), e.getValue().getAsJsonArray());
    }
    return m;
  }

  /** {@code ed/<token>/<seq>} to token, or -1. */
  static long tokenOf(String key) {
    String[] parts = key.split("/");
    try {
      return parts.length >= 2 ? Long.parseLong(parts[1]) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
