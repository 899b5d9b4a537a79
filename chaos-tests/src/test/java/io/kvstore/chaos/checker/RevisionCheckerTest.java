package io.kvstore.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Revisions of acknowledged operations: unique for writes, never backwards in real time. */
class RevisionCheckerTest {
  private static CheckResult check(Ops ops) {
    return RevisionChecker.check(ops.list(), op -> op.f().equals("write"));
  }

  @Test
  void increasingRevisionsPass() {
    Ops ops = new Ops().write(0, "a", "1", 2, 0, 10).write(1, "b", "2", 3, 5, 15)
        .read(0, "a", "1", 3, 20, 30).write(0, "a", "3", 4, 40, 50);
    assertThat(check(ops).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void twoWritesWithOneRevisionAreRejected() {
    Ops ops = new Ops().write(0, "a", "1", 2, 0, 10).write(1, "b", "2", 2, 0, 10);
    CheckResult r = check(ops);
    assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(r.problems().get(0)).contains("revision 2 acknowledged for two writes");
  }

  @Test
  void aWriteAfterAnotherWithASmallerRevisionIsRejected() {
    Ops ops = new Ops().write(0, "a", "1", 5, 0, 10).write(1, "b", "2", 4, 20, 30);
    assertThat(check(ops).problems().get(0)).contains("went backwards");
  }

  @Test
  void aReadBehindAnEarlierWriteIsRejectedButAnEqualOnePasses() {
    Ops bad = new Ops().write(0, "a", "1", 5, 0, 10).read(1, "b", null, 4, 20, 30);
    assertThat(check(bad).verdict()).isEqualTo(Verdict.INVALID);
    Ops ok = new Ops().write(0, "a", "1", 5, 0, 10).read(1, "b", null, 5, 20, 30);
    assertThat(check(ok).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void concurrentOperationsMayCommitInEitherOrder() {
    Ops ops = new Ops().write(0, "a", "1", 5, 0, 100).write(1, "b", "2", 4, 10, 20);
    assertThat(check(ops).verdict()).isEqualTo(Verdict.VALID);
  }
}
