package io.kvstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Hand-made lease histories: valid ones and each kind of violation. Times in milliseconds. */
class LeaseCheckerTest {
  private static final long MS = 1_000_000L;

  /** Builds a lease history up to the final read (at 20 s) and the store's deletions. */
  private static final class H {
    final Ops ops = new Ops();
    final Map<String, String> stored = new LinkedHashMap<>();
    final List<String> deletes = new ArrayList<>();
    int process = 0;
    long settleStart = 10_000;
    long settleEnd = 18_000;
    long readStart = 19_000;
    long readEnd = 19_100;

    static String hex(long id) {
      return Long.toHexString(id);
    }

    static String key(long id, int i) {
      return "ls/" + hex(id) + "/" + i;
    }

    H grant(long id, String kind, long ttl, long start, long end) {
      ops.ok(process++, "grant", "ls/", "{\"kind\":\"" + kind + "\",\"ttl\":" + ttl + "}",
          "{\"kind\":\"" + kind + "\",\"ttl\":" + ttl + ",\"id\":" + id + "}", start * MS,
          end * MS);
      return this;
    }

    /** An acknowledged put of key {@code i} of lease {@code id} at {@code rev}, stored. */
    H put(long id, int i, long rev, long at) {
      ops.ok(process++, "put-lease", key(id, i), "{\"lease\":" + id + ",\"v\":\"v" + i + "\"}",
          "{\"lease\":" + id + ",\"v\":\"v" + i + "\",\"rev\":" + rev + "}", at * MS,
          (at + 5) * MS);
      return store(id, i, rev, id);
    }

    H refusedPut(long id, int i, long at) {
      ops.fail(process++, "put-lease", key(id, i), "{\"lease\":" + id + ",\"v\":\"v" + i + "\"}",
          at * MS, (at + 5) * MS);
      return this;
    }

    H store(long id, int i, long rev, long lease) {
      stored.put(key(id, i), "[" + rev + "," + lease + ",\"v" + i + "\"]");
      return this;
    }

    H unstore(long id, int i) {
      stored.remove(key(id, i));
      return this;
    }

    /** A keep-alive from {@code start} to {@code end}, answered at each of {@code answers}. */
    H keepAlive(long id, long start, long end, String reason, long... answers) {
      String refreshes = java.util.Arrays.stream(answers).mapToObj(a -> "[" + a * MS + ",2]")
          .collect(Collectors.joining(",", "[", "]"));
      ops.ok(process++, "keepalive", "ls/" + hex(id), "{\"lease\":" + id + "}",
          "{\"lease\":" + id + ",\"refreshes\":" + refreshes + ",\"end\":\"" + reason + "\"}",
          start * MS, end * MS);
      return this;
    }

    /** Refreshes every {@code every} ms from {@code from} to {@code to}. */
    static long[] every(long from, long to, long every) {
      List<Long> l = new ArrayList<>();
      for (long t = from; t <= to; t += every) {
        l.add(t);
      }
      return l.stream().mapToLong(Long::longValue).toArray();
    }

    H revoke(long id, long rev, long at) {
      ops.ok(process++, "revoke", "ls/" + hex(id), "{\"lease\":" + id + "}",
          "{\"lease\":" + id + ",\"rev\":" + rev + "}", at * MS, (at + 5) * MS);
      return this;
    }

    H deleted(long id, int i, long rev) {
      deletes.add("[\"" + key(id, i) + "\"," + rev + ",1," + id + ",1]");
      return unstore(id, i);
    }

    Map<String, CheckResult> check() {
      ops.ok(process++, "settle", "ls/", null, "{}", settleStart * MS, settleEnd * MS);
      String keys = stored.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
          .collect(Collectors.joining(",", "{", "}"));
      ops.ok(process++, "final-read", "ls/", null, "{\"rev\":500,\"keys\":" + keys + "}",
          readStart * MS, readEnd * MS);
      ops.ok(process++, "store-history", "ls/", null, "{\"head\":500,\"deletes\":"
          + deletes.stream().collect(Collectors.joining(",", "[", "]")) + "}",
          (readEnd + 100) * MS, (readEnd + 200) * MS);
      return LeaseChecker.check(ops.list()).stream()
          .collect(Collectors.toMap(CheckResult::checker, Function.identity()));
    }
  }

  /**
   * Lease 1: kept alive (every 600 ms) through the final read, 2 keys present. Lease 2:
   * abandoned, 2 keys deleted at revision 20. Lease 3: kept, revoked at 30 with its key.
   * Lease 4: kept, released at 3 s, its key expired at 40.
   */
  private static H good() {
    return new H()
        .grant(1, "kept", 2, 0, 10).keepAlive(1, 10, 19_500, "finished", H.every(20, 19_400, 600))
        .put(1, 0, 5, 20).put(1, 1, 6, 30)
        .grant(2, "abandoned", 2, 100, 110).put(2, 0, 7, 120).put(2, 1, 8, 130)
        .deleted(2, 0, 20).deleted(2, 1, 20)
        .grant(3, "kept", 3, 200, 210).keepAlive(3, 210, 2_000, "revoked", 500, 1_500)
        .put(3, 0, 9, 220).revoke(3, 30, 2_010).deleted(3, 0, 30)
        .grant(4, "kept", 5, 300, 310).keepAlive(4, 310, 3_000, "released", 900, 2_500)
        .put(4, 0, 10, 320).deleted(4, 0, 40);
  }

  private static void assertOnlyInvalid(Map<String, CheckResult> results, String checker,
      String mentioning) {
    assertThat(results.get(checker).valid()).as(results.get(checker).toString()).isFalse();
    assertThat(results.get(checker).problems()).anyMatch(p -> p.contains(mentioning));
    results.values().stream().filter(r -> !r.checker().equals(checker))
        .forEach(r -> assertThat(r.valid()).as(r.toString()).isTrue());
  }

  @Test
  void keptLeasesKeepTheirKeysAndTheOthersExpireAtomically() {
    Map<String, CheckResult> r = good().check();
    assertThat(r).hasSize(4);
    r.values().forEach(c -> assertThat(c.valid()).as(c.toString()).isTrue());
  }

  @Test
  void anAbandonedLeasesKeyStillStoredIsRejected() {
    H h = good().grant(5, "abandoned", 3, 500, 510).put(5, 0, 11, 520);
    assertOnlyInvalid(h.check(), "lease expiry", "abandoned after its grant");
  }

  @Test
  void aReleasedLeasesKeyStillStoredIsRejected() {
    H h = good().store(4, 0, 10, 4);
    h.deletes.removeIf(d -> d.startsWith("[\"ls/4/"));
    assertOnlyInvalid(h.check(), "lease expiry", "keep-alive ended (released)");
  }

  @Test
  void aSettleShorterThanTheTtlPlusTheElectionTimeoutCannotJudgeExpiry() {
    H h = good().grant(5, "abandoned", 5, 500, 510).put(5, 0, 11, 520);
    h.settleEnd = h.settleStart + 5_500;
    assertOnlyInvalid(h.check(), "lease expiry", "cannot check");
  }

  @Test
  void aKeyStillKeptAliveWhenTheSettleBeganNeedNotBeGone() {
    // Kept alive until 12 s (after the settle began): no verdict on its expiry.
    H h = good().grant(5, "kept", 2, 500, 510).keepAlive(5, 510, 12_000, "released",
        H.every(600, 11_900, 600)).put(5, 0, 11, 520);
    h.check().values().forEach(c -> assertThat(c.valid()).as(c.toString()).isTrue());
  }

  @Test
  void aMissingKeyOfANeverLapsedKeepAliveIsRejected() {
    H h = good().deleted(1, 0, 50).deleted(1, 1, 50);
    assertOnlyInvalid(h.check(), "lease keep-alive", "deleted at revision 50");
  }

  @Test
  void aMissingKeyIsAcceptedWhenTheKeepAliveMayHaveLapsed() {
    // Answers 1.1 s apart with a 2 s TTL: refresh i may have been received right after answer
    // i-2 was, 2.2 s before — the lease may have expired, and its keys with it, atomically.
    H h = good().grant(5, "kept", 2, 500, 510)
        .keepAlive(5, 510, 19_500, "finished", H.every(1_600, 19_400, 1_100)).put(5, 0, 11, 520)
        .put(5, 1, 12, 530).deleted(5, 0, 60).deleted(5, 1, 60);
    h.check().values().forEach(c -> assertThat(c.valid()).as(c.toString()).isTrue());
  }

  @Test
  void aLeaseReportedGoneBeforeItCouldLapseIsRejected() {
    H h = good().grant(5, "kept", 2, 500, 510).keepAlive(5, 510, 1_800, "not-found", 900, 1_400)
        .put(5, 0, 11, 520).deleted(5, 0, 60);
    assertOnlyInvalid(h.check(), "lease keep-alive", "lease not found");
  }

  @Test
  void aLeaseReportedGoneAfterItMayHaveLapsedIsAccepted() {
    H h = good().grant(5, "kept", 2, 500, 510).keepAlive(5, 510, 4_000, "not-found", 900, 1_400)
        .put(5, 0, 11, 520).deleted(5, 0, 60);
    h.check().values().forEach(c -> assertThat(c.valid()).as(c.toString()).isTrue());
  }

  @Test
  void keysOfOneLeaseDeletedAtTwoRevisionsAreRejected() {
    H h = good();
    h.deletes.replaceAll(d -> d.equals("[\"ls/2/1\",20,1,2,1]") ? "[\"ls/2/1\",21,1,2,1]" : d);
    assertOnlyInvalid(h.check(), "lease deletion atomicity", "2 revisions");
  }

  @Test
  void aKeySurvivingItsLeasesDeletionIsRejected() {
    H h = good().store(2, 1, 8, 2);
    h.deletes.remove("[\"ls/2/1\",20,1,2,1]");
    Map<String, CheckResult> r = h.check();
    assertThat(r.get("lease deletion atomicity").problems()).anyMatch(p -> p.contains("survived"));
    assertThat(r.get("lease expiry").problems()).anyMatch(p -> p.contains("ls/2/1"));
  }

  @Test
  void aRevokeAcknowledgedAtAnotherRevisionThanItsDeletionIsRejected() {
    H h = good();
    h.deletes.replaceAll(d -> d.equals("[\"ls/3/0\",30,1,3,1]") ? "[\"ls/3/0\",31,1,3,1]" : d);
    assertOnlyInvalid(h.check(), "lease deletion atomicity", "acknowledged revoke");
  }

  @Test
  void aDeletionNamingAnotherLeaseIsRejected() {
    H h = good();
    h.deletes.replaceAll(d -> d.equals("[\"ls/4/0\",40,1,4,1]") ? "[\"ls/4/0\",40,1,9,1]" : d);
    assertOnlyInvalid(h.check(), "lease deletion atomicity", "reports lease 9");
  }

  @Test
  void storedKeysNeverPutOrOnTheWrongLeaseOrRefusedAreRejected() {
    H h = good().store(1, 7, 70, 1).refusedPut(1, 2, 40).store(1, 2, 71, 1);
    h.stored.put(H.key(1, 1), "[6,99,\"v1\"]");
    Map<String, CheckResult> r = h.check();
    assertThat(r.get("lease keys").problems())
        .anyMatch(p -> p.contains("ls/1/7 is stored but was never put"))
        .anyMatch(p -> p.contains("refused"))
        .anyMatch(p -> p.contains("attached to lease 63"));
  }

  @Test
  void withoutTheFinalReadEveryCheckFails() {
    H h = good();
    assertThat(LeaseChecker.check(h.ops.list())).hasSize(4).noneMatch(CheckResult::valid);
  }
}
