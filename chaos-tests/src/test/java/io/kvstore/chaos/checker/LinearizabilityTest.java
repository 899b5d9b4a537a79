package io.kvstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The linearizability checker against hand-made register and list-append histories, including
 * known non-linearizable ones it must reject: a checker that accepted everything would fail here.
 */
class LinearizabilityTest {
  private static final Duration T = Duration.ofSeconds(10);

  private static CheckResult register(Ops ops) {
    return Linearizability.check("register", ops.list(), new RegisterModel(), T);
  }

  private static CheckResult append(Ops ops) {
    return Linearizability.check("append", ops.list(), new ListAppendModel(), T);
  }

  @Test
  void sequentialHistoryIsLinearizable() {
    Ops ops = new Ops().read(0, "k", null, 1, 0, 10).write(0, "k", "a", 2, 20, 30)
        .read(1, "k", "a", 2, 40, 50).write(1, "k", "b", 3, 60, 70).read(0, "k", "b", 3, 80, 90);
    assertThat(register(ops).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void staleReadAfterAcknowledgedWriteIsRejected() {
    Ops ops = new Ops().write(0, "k", "a", 2, 0, 10).write(0, "k", "b", 3, 20, 30)
        .read(1, "k", "a", 2, 40, 50);
    CheckResult r = register(ops);
    assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(r.problems().get(0)).contains("partition k").contains("not linearizable");
  }

  @Test
  void lostWriteIsRejected() {
    Ops ops = new Ops().write(0, "k", "a", 2, 0, 10).read(1, "k", null, 2, 20, 30);
    assertThat(register(ops).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void concurrentWriteMayBeSeenOrNotButNotBothWaysRound() {
    // A write spanning two reads: new-then-old is impossible, old-then-new is fine.
    Ops bad = new Ops().write(0, "k", "a", 2, 0, 100).read(1, "k", "a", 2, 10, 20)
        .read(2, "k", null, 1, 30, 40);
    assertThat(register(bad).verdict()).isEqualTo(Verdict.INVALID);
    Ops good = new Ops().write(0, "k", "a", 2, 0, 100).read(1, "k", null, 1, 10, 20)
        .read(2, "k", "a", 2, 30, 40);
    assertThat(register(good).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void unknownWriteMayTakeEffectLateOrNeverButOnlyOnce() {
    Ops late = new Ops().info(0, "write", "k", "{\"v\":\"a\"}", 0)
        .read(1, "k", null, 1, 10, 20).read(1, "k", "a", 2, 1000, 1010);
    assertThat(register(late).verdict()).isEqualTo(Verdict.VALID);
    Ops never = new Ops().info(0, "write", "k", "{\"v\":\"a\"}", 0).read(1, "k", null, 1, 10, 20);
    assertThat(register(never).verdict()).isEqualTo(Verdict.VALID);
    Ops flicker = new Ops().info(0, "write", "k", "{\"v\":\"a\"}", 0)
        .read(1, "k", "a", 2, 10, 20).read(1, "k", null, 2, 30, 40);
    assertThat(register(flicker).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void failedOperationsNeverHappened() {
    Ops ops = new Ops().fail(0, "write", "k", "{\"v\":\"a\"}", 0, 10)
        .read(1, "k", "a", 2, 20, 30);
    assertThat(register(ops).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void compareAndSetMustSeeItsExpectedValue() {
    String cas = "{\"from\":\"a\",\"to\":\"b\"}";
    Ops good = new Ops().write(0, "k", "a", 2, 0, 10)
        .ok(1, "cas", "k", cas, "{\"from\":\"a\",\"to\":\"b\",\"rev\":3}", 20, 30)
        .read(0, "k", "b", 3, 40, 50);
    assertThat(register(good).verdict()).isEqualTo(Verdict.VALID);
    // The cas succeeded although the register held c, not a, all along.
    Ops bad = new Ops().write(0, "k", "c", 2, 0, 10)
        .ok(1, "cas-rev", "k", cas, "{\"from\":\"a\",\"to\":\"b\",\"rev\":3}", 20, 30);
    assertThat(register(bad).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void keysArePartitionedAndTheBadOneIsNamed() {
    Ops ops = new Ops().write(0, "x", "a", 2, 0, 10).read(1, "x", "a", 2, 20, 30)
        .write(0, "y", "b", 3, 40, 50).read(1, "y", null, 3, 60, 70);
    CheckResult r = register(ops);
    assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(r.problems()).hasSize(1);
    assertThat(r.problems().get(0)).startsWith("partition y");
  }

  @Test
  void runningOutOfTimeIsUnknownNotValid() {
    // 40 concurrent acknowledged writes and a read of a value none of them wrote: refuting it
    // means trying every subset of the writes.
    Ops ops = new Ops();
    for (int i = 0; i < 40; i++) {
      ops.write(i, "k", "v" + i, 2 + i, i, 1000 + i);
    }
    ops.read(99, "k", "never-written", 100, 2000, 2010);
    CheckResult r = Linearizability.check("register", ops.list(), new RegisterModel(),
        Duration.ofMillis(300));
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.valid()).isFalse();
  }

  @Test
  void manyConcurrentOperationsStillCheckQuickly() {
    Ops ops = new Ops();
    long t = 0;
    for (int round = 0; round < 300; round++) {
      for (int p = 0; p < 4; p++) {
        ops.write(p, "k", "v" + round + "-" + p, 1, t + p, t + 10 + p);
      }
      ops.read(9, "k", "v" + round + "-3", 1, t + 20, t + 25);
      t += 30;
    }
    assertThat(register(ops).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void listAppendAcceptsSerialTransactions() {
    Ops ops = new Ops()
        .ok(0, "txn", "g", "{\"ops\":[[\"append\",\"k1\",\"1\"]]}",
            "{\"ops\":[[\"append\",\"k1\",\"1\"]],\"rev\":2}", 0, 10)
        .ok(1, "txn", "g", "{\"ops\":[[\"r\",\"k1\",null],[\"append\",\"k2\",\"2\"]]}",
            "{\"ops\":[[\"r\",\"k1\",[\"1\"]],[\"append\",\"k2\",\"2\"]],\"rev\":3}", 20, 30)
        .ok(0, "txn", "g", "{\"ops\":[[\"r\",\"k1\",null],[\"r\",\"k2\",null]]}",
            "{\"ops\":[[\"r\",\"k1\",[\"1\"]],[\"r\",\"k2\",[\"2\"]]],\"rev\":3}", 40, 50);
    assertThat(append(ops).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void listAppendRejectsWriteSkew() {
    // T1 reads k1 empty and appends to k2; T2 reads k2 empty and appends to k1; both commit.
    // No serial order explains both reads (G2, write skew).
    Ops ops = new Ops()
        .ok(0, "txn", "g", "{\"ops\":[[\"r\",\"k1\",null],[\"append\",\"k2\",\"x\"]]}",
            "{\"ops\":[[\"r\",\"k1\",[]],[\"append\",\"k2\",\"x\"]],\"rev\":2}", 0, 100)
        .ok(1, "txn", "g", "{\"ops\":[[\"r\",\"k2\",null],[\"append\",\"k1\",\"y\"]]}",
            "{\"ops\":[[\"r\",\"k2\",[]],[\"append\",\"k1\",\"y\"]],\"rev\":3}", 0, 100)
        .ok(2, "txn", "g", "{\"ops\":[[\"r\",\"k1\",null],[\"r\",\"k2\",null]]}",
            "{\"ops\":[[\"r\",\"k1\",[\"y\"]],[\"r\",\"k2\",[\"x\"]]],\"rev\":3}", 200, 210);
    assertThat(append(ops).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void listAppendRejectsReorderedAndLostAppends() {
    Ops reordered = new Ops()
        .ok(0, "txn", "g", "{\"ops\":[[\"append\",\"k\",\"1\"]]}",
            "{\"ops\":[[\"append\",\"k\",\"1\"]],\"rev\":2}", 0, 10)
        .ok(0, "txn", "g", "{\"ops\":[[\"append\",\"k\",\"2\"]]}",
            "{\"ops\":[[\"append\",\"k\",\"2\"]],\"rev\":3}", 20, 30)
        .ok(1, "txn", "g", "{\"ops\":[[\"r\",\"k\",null]]}",
            "{\"ops\":[[\"r\",\"k\",[\"2\",\"1\"]]],\"rev\":3}", 40, 50);
    assertThat(append(reordered).verdict()).isEqualTo(Verdict.INVALID);
    Ops lost = new Ops()
        .ok(0, "txn", "g", "{\"ops\":[[\"append\",\"k\",\"1\"]]}",
            "{\"ops\":[[\"append\",\"k\",\"1\"]],\"rev\":2}", 0, 10)
        .ok(1, "txn", "g", "{\"ops\":[[\"r\",\"k\",null]]}",
            "{\"ops\":[[\"r\",\"k\",[]]],\"rev\":2}", 20, 30);
    assertThat(append(lost).verdict()).isEqualTo(Verdict.INVALID);
    assertThat(io.kvstore.chaos.workload.AppendWorkload.durability(lost.list(), 1).verdict())
        .isEqualTo(Verdict.INVALID);
  }

  @Test
  void listAppendUnknownTransactionMayApplyAtomically() {
    Ops ops = new Ops()
        .info(0, "txn", "g", "{\"ops\":[[\"append\",\"k1\",\"1\"],[\"append\",\"k2\",\"2\"]]}", 0)
        .ok(1, "txn", "g", "{\"ops\":[[\"r\",\"k1\",null],[\"r\",\"k2\",null]]}",
            "{\"ops\":[[\"r\",\"k1\",[\"1\"]],[\"r\",\"k2\",[\"2\"]]],\"rev\":2}", 10, 20);
    assertThat(append(ops).verdict()).isEqualTo(Verdict.VALID);
    Ops torn = new Ops()
        .info(0, "txn", "g", "{\"ops\":[[\"append\",\"k1\",\"1\"],[\"append\",\"k2\",\"2\"]]}", 0)
        .ok(1, "txn", "g", "{\"ops\":[[\"r\",\"k1\",null],[\"r\",\"k2\",null]]}",
            "{\"ops\":[[\"r\",\"k1\",[\"1\"]],[\"r\",\"k2\",[]]],\"rev\":2}", 10, 20);
    assertThat(append(torn).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void emptyHistoryIsValid() {
    assertThat(Linearizability.check("none", List.of(), new RegisterModel(), T).valid())
        .isTrue();
  }
}
