package io.kvstore.server.differential;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a failing differential step reports. */
class MismatchTest {
  private static final EtcdctlResult FUTURE = new EtcdctlResult("",
      "Error: etcdserver: mvcc: required revision is a future revision\n", 1);

  @Test
  void reportNamesStepCommandAndFirstDifferentLine() {
    Step step = Step.of("get", "kv/a", "--rev=1000").failsWith("future revision");
    EtcdctlResult target = new EtcdctlResult("kv/a\n1\n", "", 0);

    assertThat(Mismatch.differs(step, FUTURE, target)).isTrue();
    String report = new Mismatch(39, step, "etcd", FUTURE, "kvstore", target).describe();

    assertThat(report).startsWith("step 39: etcdctl get kv/a --rev=1000\n")
        .contains("  exit code: etcd (A) 1, kvstore (B) 0\n")
        .contains("  stdout differs at line 1:\n    A: <end>\n    B: kv/a\n")
        .contains("  stderr differs at line 1:\n"
            + "    A: Error: etcdserver: mvcc: required revision is a future revision\n"
            + "    B: <end>\n")
        .contains("  --- stdout of kvstore (B) (2 lines) ---\n  | kv/a\n  | 1\n");
  }

  @Test
  void agreementOnTheWrongErrorIsAMismatch() {
    Step step = Step.of("get", "kv/a");

    assertThat(Mismatch.differs(step, FUTURE, FUTURE)).isTrue();
    assertThat(new Mismatch(1, step, "etcd", FUTURE, "etcd", FUTURE).describe())
        .contains("the script expects etcd to succeed, but A exited 1")
        .contains("(A and B agree; both printed)");
  }

  @Test
  void timeoutOnEitherSideIsAMismatch() {
    Step step = Step.of("get", "kv/a");
    EtcdctlResult ok = new EtcdctlResult("kv/a\n1\n", "", 0);
    EtcdctlResult killed = new EtcdctlResult("", "", EtcdctlResult.TIMED_OUT);

    assertThat(Mismatch.differs(step, ok, ok)).isFalse();
    assertThat(Mismatch.differs(step, ok, killed)).isTrue();
  }

  @Test
  void txnStdinEndsEverySectionWithAnEmptyLine() {
    Step step = Step.txn(List.of("value(\"a\") = \"1\""), List.of(), List.of("put a 2"),
        "-w", "json");

    assertThat(step.args()).containsExactly("txn", "-w", "json");
    assertThat(step.stdin()).contains("value(\"a\") = \"1\"\n\n\nput a 2\n\n");
    assertThat(step.describe())
        .isEqualTo("etcdctl txn -w json  <<< value(\"a\") = \"1\"\\n\\n\\nput a 2");
  }

  @Test
  void boundedStepSucceedsWhenStoppedAfterItsLines() {
    Step watch = Step.bounded(3, java.time.Duration.ofSeconds(1), "watch", "a");
    EtcdctlResult stopped = new EtcdctlResult("PUT\na\n1\n", "", EtcdctlResult.STOPPED);
    EtcdctlResult exited = new EtcdctlResult("", "", 0);
    EtcdctlResult cut = new EtcdctlResult("PUT\n", "", EtcdctlResult.TIMED_OUT);

    assertThat(Mismatch.differs(watch, stopped, stopped)).isFalse();
    assertThat(Mismatch.differs(watch, exited, exited)).isTrue();
    assertThat(Mismatch.differs(watch, cut, cut)).isTrue();
    assertThat(watch.describe()).isEqualTo("etcdctl watch a  [stopped after 3 lines or 1000 ms]");
  }
}
