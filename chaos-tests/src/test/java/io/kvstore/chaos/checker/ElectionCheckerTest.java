package io.kvstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Hand-made election histories, valid ones and each kind of violation. */
class ElectionCheckerTest {

  /** Builds a history: terms, guarded writes, the final read and the store's deletions. */
  private static final class H {
    final Ops ops = new Ops();
    final Map<String, String> stored = new java.util.LinkedHashMap<>();
    final List<String> deletes = new ArrayList<>();
    int process = 100;

    H term(String replica, long token, long start, long end) {
      String in = "{\"replica\":\"" + replica + "\",\"token\":" + token + "}";
      ops.ok(process++, "term", "el/", in, in, start, end);
      return this;
    }

    H openTerm(String replica, long token, long start) {
      ops.info(process++, "term", "el/",
          "{\"replica\":\"" + replica + "\",\"token\":" + token + "}", start);
      return this;
    }

    private static String in(long token, long seq) {
      return "{\"replica\":\"r\",\"token\":" + token + ",\"v\":\"v" + token + "-" + seq + "\"}";
    }

    /** An acknowledged guarded write, stored at {@code rev}. */
    H write(long token, long seq, long rev, long start, long end) {
      ops.ok(process++, "guarded-write", key(token, seq), in(token, seq),
          "{\"token\":" + token + ",\"v\":\"v" + token + "-" + seq + "\",\"rev\":" + rev + "}",
          start, end);
      return store(token, seq, rev);
    }

    H refused(long token, long seq, long start, long end) {
      ops.fail(process++, "guarded-write", key(token, seq), in(token, seq), start, end);
      return this;
    }

    H unknown(long token, long seq, long start) {
      ops.info(process++, "guarded-write", key(token, seq), in(token, seq), start);
      return this;
    }

    H store(long token, long seq, long rev) {
      stored.put(key(token, seq), "[" + rev + ",0,\"v" + token + "-" + seq + "\"]");
      return this;
    }

    H deleted(long token, long atRevision) {
      deletes.add("[\"el/" + Long.toHexString(token * 7) + "\"," + atRevision + "," + token
          + ",77,1]");
      return this;
    }

    static String key(long token, long seq) {
      return "ed/" + token + "/" + seq;
    }

    Map<String, CheckResult> check() {
      String keys = stored.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
          .collect(Collectors.joining(",", "{", "}"));
      ops.ok(process++, "final-read", "ed/", null, "{\"rev\":1000,\"keys\":" + keys + "}",
          100_000, 100_001);
      ops.ok(process++, "store-history", "el/", null, "{\"head\":1000,\"deletes\":"
          + deletes.stream().collect(Collectors.joining(",", "[", "]")) + "}", 100_002, 100_003);
      return ElectionChecker.check(ops.list()).stream()
          .collect(Collectors.toMap(CheckResult::checker, Function.identity()));
    }
  }

  /** Two terms in turn, each with writes, the first one's key deleted in between. */
  private static H twoGoodTerms() {
    return new H()
        .term("a", 10, 100, 200).write(10, 0, 12, 110, 120).write(10, 1, 13, 130, 140)
        .refused(10, 2, 150, 190).deleted(10, 15)
        .term("b", 11, 300, 400).write(11, 0, 16, 310, 320).unknown(11, 1, 330)
        .deleted(11, 20);
  }

  private static void assertOnlyInvalid(Map<String, CheckResult> results, String checker,
      String mentioning) {
    assertThat(results.get(checker).valid()).as(results.get(checker).toString()).isFalse();
    assertThat(results.get(checker).problems()).anyMatch(p -> p.contains(mentioning));
    results.values().stream().filter(r -> !r.checker().equals(checker))
        .forEach(r -> assertThat(r.valid()).as(r.toString()).isTrue());
  }

  @Test
  void termsInTurnWithFencedWritesAreValid() {
    Map<String, CheckResult> r = twoGoodTerms().check();
    assertThat(r).hasSize(4);
    r.values().forEach(c -> assertThat(c.valid()).as(c.toString()).isTrue());
  }

  @Test
  void anUnknownWriteMayBeStoredOrNot() {
    Map<String, CheckResult> r = twoGoodTerms().store(11, 1, 17).check();
    r.values().forEach(c -> assertThat(c.valid()).as(c.toString()).isTrue());
  }

  @Test
  void aLaterTermWithALowerTokenIsRejected() {
    H h = new H().term("a", 20, 100, 200).deleted(20, 25).term("b", 11, 300, 400)
        .deleted(11, 30);
    assertOnlyInvalid(h.check(), "election tokens", "not above");
  }

  @Test
  void theSameTokenTwiceIsRejected() {
    H h = new H().term("a", 20, 100, 200).deleted(20, 25).term("b", 20, 300, 400);
    assertOnlyInvalid(h.check(), "election tokens", "term 20");
  }

  @Test
  void overlappingTermsOfTwoReplicasAreRejected() {
    H h = new H().term("a", 10, 100, 350).deleted(10, 15).term("b", 11, 300, 400);
    assertOnlyInvalid(h.check(), "election single leader", "still led");
  }

  @Test
  void aTermThatNeverStoppedOverlapsEveryLaterOne() {
    H h = new H().openTerm("a", 10, 100).deleted(10, 15).term("b", 11, 300, 400);
    assertOnlyInvalid(h.check(), "election single leader", "never stopped");
  }

  @Test
  void anOverlapHiddenBehindAShortTermIsFound() {
    // a leads [100, 900]; b's short term [200, 300] ends; c starts at 500 while a still leads.
    H h = new H().term("a", 10, 100, 900).deleted(10, 15).term("b", 11, 200, 300)
        .deleted(11, 16).term("c", 12, 500, 600);
    Map<String, CheckResult> r = h.check();
    assertThat(r.get("election single leader").problems()).hasSize(2)
        .anyMatch(p -> p.startsWith("c term 12"));
  }

  @Test
  void aWriteLandingAfterItsTermsKeyWasDeletedIsRejected() {
    // Term 10's key is deleted at 15; a delayed write of term 10 lands at 16.
    H h = new H().term("a", 10, 100, 200).write(10, 0, 12, 110, 120).unknown(10, 1, 150)
        .store(10, 1, 16).deleted(10, 15).term("b", 11, 300, 400);
    assertOnlyInvalid(h.check(), "election fencing", "after the term's leader key was deleted");
  }

  @Test
  void anAcknowledgedWriteAfterTheDeletionIsRejectedEvenIfLaterOverwrittenOrLost() {
    H h = new H().term("a", 10, 100, 200).write(10, 0, 17, 110, 120).deleted(10, 15)
        .term("b", 11, 300, 400);
    Map<String, CheckResult> r = h.check();
    assertThat(r.get("election fencing").problems())
        .anyMatch(p -> p.startsWith("acknowledged"))
        .anyMatch(p -> p.contains("landed at revision 17"));
  }

  @Test
  void aWriteOfATermNobodyBeganIsRejected() {
    H h = twoGoodTerms().store(12, 0, 18);
    Map<String, CheckResult> r = h.check();
    assertThat(r.get("election fencing").problems()).anyMatch(p -> p.contains("no replica began"));
    assertThat(r.get("election durability").problems())
        .anyMatch(p -> p.contains("no replica wrote it"));
  }

  @Test
  void aTermFollowedByAnotherMustHaveHadItsKeyDeleted() {
    H h = new H().term("a", 10, 100, 200).term("b", 11, 300, 400);
    assertOnlyInvalid(h.check(), "election fencing", "never deleted its leader key");
  }

  @Test
  void aLostAcknowledgedWriteIsRejected() {
    H h = twoGoodTerms();
    h.stored.remove(H.key(10, 1));
    assertOnlyInvalid(h.check(), "election durability", "is not stored");
  }

  @Test
  void aStoredRefusedWriteIsRejected() {
    H h = twoGoodTerms().store(10, 2, 14);
    assertOnlyInvalid(h.check(), "election durability", "refused");
  }

  @Test
  void anAcknowledgedWriteStoredAtAnotherRevisionIsRejected() {
    H h = twoGoodTerms().store(10, 1, 14);
    assertOnlyInvalid(h.check(), "election durability", "not at the acknowledged 13");
  }

  @Test
  void withoutTheStoreHistoryTheFencingCheckFails() {
    H h = twoGoodTerms();
    List<io.kvstore.chaos.history.Operation> ops = h.ops.list();
    assertThat(ElectionChecker.check(ops)).filteredOn(c -> !c.valid())
        .extracting(CheckResult::checker)
        .containsExactlyInAnyOrder("election fencing", "election durability");
  }
}
