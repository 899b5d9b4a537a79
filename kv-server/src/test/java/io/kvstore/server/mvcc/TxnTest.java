package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.b;
import static io.kvstore.server.mvcc.Kv.compare;
import static io.kvstore.server.mvcc.Kv.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.api.etcdserverpb.Compare.CompareResult;
import io.kvstore.api.etcdserverpb.Compare.CompareTarget;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.Event.EventType;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Txn: compares on every target and result, branches, nested txns, one revision per txn, reads of
 * the txn's own writes, and the checks before it runs. The data: rev 2 a=1 (lease 7), rev 3 a=2,
 * rev 4 b=x.
 */
class TxnTest {
  @TempDir Path tmp;
  private StoreFixture s;

  @BeforeEach
  void fill() {
    s = new StoreFixture(tmp.resolve("db"), Set.of(7L)::contains);
    s.put(Kv.put("a", "1").setLease(7));
    s.put(Kv.put("a", "2").setLease(7));
    s.put("b", "x");
  }

  @AfterEach
  void close() {
    s.close();
  }

  private boolean holds(io.kvstore.api.etcdserverpb.Compare.Builder c) {
    return s.txn(TxnRequest.newBuilder().addCompare(c)).getSucceeded();
  }

  @Test
  void compareVersion() {
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(2)))
        .isTrue();
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.GREATER).setVersion(1)))
        .isTrue();
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.LESS).setVersion(2)))
        .isFalse();
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.NOT_EQUAL).setVersion(2)))
        .isFalse();
  }

  @Test
  void compareCreateAndModRevisions() {
    assertThat(holds(compare("a", CompareTarget.CREATE, CompareResult.EQUAL)
        .setCreateRevision(2))).isTrue();
    assertThat(holds(compare("a", CompareTarget.MOD, CompareResult.EQUAL).setModRevision(3)))
        .isTrue();
    assertThat(holds(compare("a", CompareTarget.MOD, CompareResult.LESS).setModRevision(3)))
        .isFalse();
    assertThat(holds(compare("b", CompareTarget.MOD, CompareResult.GREATER).setModRevision(3)))
        .isTrue();
  }

  @Test
  void compareValueAndLease() {
    assertThat(holds(compare("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("2"))))
        .isTrue();
    assertThat(holds(compare("a", CompareTarget.VALUE, CompareResult.GREATER).setValue(b("10"))))
        .isTrue();
    assertThat(holds(compare("a", CompareTarget.LEASE, CompareResult.EQUAL).setLease(7)))
        .isTrue();
    assertThat(holds(compare("b", CompareTarget.LEASE, CompareResult.EQUAL).setLease(0)))
        .isTrue();
  }

  @Test
  void missingKeyComparesAsZeroButValueComparesAlwaysFail() {
    assertThat(holds(compare("z", CompareTarget.CREATE, CompareResult.EQUAL)
        .setCreateRevision(0))).isTrue();
    assertThat(holds(compare("z", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(0)))
        .isTrue();
    assertThat(holds(compare("z", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b(""))))
        .isFalse();
    assertThat(holds(compare("z", CompareTarget.VALUE, CompareResult.NOT_EQUAL)
        .setValue(b("q")))).isFalse();
  }

  @Test
  void compareOverARangeHoldsOnlyForEveryKey() {
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.GREATER).setVersion(0)
        .setRangeEnd(b("c")))).isTrue();
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(2)
        .setRangeEnd(b("c")))).isFalse();
    assertThat(holds(compare("a", CompareTarget.CREATE, CompareResult.LESS)
        .setCreateRevision(5).setRangeEnd(b("\0")))).isTrue();
  }

  @Test
  void compareWithATargetValueOfAnotherKindComparesAgainstZero() {
    assertThat(holds(compare("a", CompareTarget.VERSION, CompareResult.GREATER)
        .setModRevision(100))).isTrue();
  }

  @Test
  void successAndFailureBranches() {
    TxnRequest.Builder t = TxnRequest.newBuilder()
        .addCompare(compare("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("2")))
        .addSuccess(op(Kv.put("c", "yes")))
        .addFailure(op(Kv.put("c", "no")));

    TxnResponse first = s.txn(t);
    assertThat(first.getSucceeded()).isTrue();
    assertThat(first.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(5);
    assertThat(s.range(Kv.get("c")).getKvs(0).getValue()).isEqualTo(b("yes"));

    s.put("a", "3");
    TxnResponse second = s.txn(t);
    assertThat(second.getSucceeded()).isFalse();
    assertThat(s.range(Kv.get("c")).getKvs(0).getValue()).isEqualTo(b("no"));
  }

  @Test
  void allChangesShareOneRevisionWithEventsInOrder() {
    TxnResponse r = s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("c", "1")))
        .addSuccess(op(Kv.del("b")))
        .addSuccess(op(Kv.put("a", "3"))));

    assertThat(r.getHeader().getRevision()).isEqualTo(5);
    assertThat(s.store.currentRevision()).isEqualTo(5);
    assertThat(s.lastCommit.revision()).isEqualTo(5);
    assertThat(s.lastCommit.events()).extracting(Event::getType)
        .containsExactly(EventType.PUT, EventType.DELETE, EventType.PUT);
    assertThat(s.lastCommit.events()).allMatch(e -> e.getKv().getModRevision() == 5);
    assertThat(s.store.valueBefore(b("b"), 5)).isEqualTo(Kv.kv("b", "x", 4, 4, 1));
    assertThat(s.range(Kv.get("a")).getKvs(0).getVersion()).isEqualTo(3);
  }

  @Test
  void readOnlyTxnKeepsTheRevision() {
    TxnResponse r = s.txn(TxnRequest.newBuilder().addSuccess(op(Kv.get("a"))));

    assertThat(r.getHeader().getRevision()).isEqualTo(4);
    assertThat(r.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(b("2"));
    assertThat(s.store.currentRevision()).isEqualTo(4);
    assertThat(s.lastCommit.events()).isEmpty();
  }

  @Test
  void txnThatChangesNothingKeepsTheRevision() {
    TxnResponse r = s.txn(TxnRequest.newBuilder().addSuccess(op(Kv.del("nothing"))));

    assertThat(r.getHeader().getRevision()).isEqualTo(4);
    assertThat(r.getResponses(0).getResponseDeleteRange().getHeader().getRevision())
        .isEqualTo(4);
    assertThat(s.store.currentRevision()).isEqualTo(4);
  }

  @Test
  void emptyTxnSucceedsAndKeepsTheRevision() {
    TxnResponse r = s.txn(TxnRequest.newBuilder());

    assertThat(r.getSucceeded()).isTrue();
    assertThat(r.getResponsesCount()).isZero();
    assertThat(r.getHeader().getRevision()).isEqualTo(4);
  }

  @Test
  void readsInsideTheTxnSeeItsOwnWrites() {
    TxnResponse r = s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.get("c")))
        .addSuccess(op(Kv.put("c", "new")))
        .addSuccess(op(Kv.getRange("a", "\0")))
        .addSuccess(op(Kv.del("a"))));

    assertThat(r.getResponses(0).getResponseRange().getCount()).isZero();
    assertThat(r.getResponses(0).getResponseRange().getHeader().getRevision()).isEqualTo(4);
    assertThat(r.getResponses(2).getResponseRange().getKvsList())
        .extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("a", "b", "c");
    assertThat(r.getResponses(2).getResponseRange().getKvs(2))
        .isEqualTo(Kv.kv("c", "new", 5, 5, 1));
    assertThat(r.getResponses(2).getResponseRange().getHeader().getRevision()).isEqualTo(5);
    assertThat(r.getResponses(3).getResponseDeleteRange().getDeleted()).isEqualTo(1);
  }

  @Test
  void nestedTxnsEvaluateEveryCompareBeforeAnyWrite() {
    TxnRequest.Builder inner = TxnRequest.newBuilder()
        .addCompare(compare("c", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(0))
        .addSuccess(op(Kv.put("d", "c-was-absent")))
        .addFailure(op(Kv.put("d", "c-was-present")));
    TxnResponse r = s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("c", "1")))
        .addSuccess(op(inner)));

    assertThat(r.getSucceeded()).isTrue();
    TxnResponse nested = r.getResponses(1).getResponseTxn();
    assertThat(nested.getSucceeded()).isTrue();
    assertThat(nested.getHeader()).isEqualTo(ResponseHeader.getDefaultInstance());
    assertThat(nested.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(5);
    assertThat(s.range(Kv.get("d")).getKvs(0).getValue()).isEqualTo(b("c-was-absent"));
    assertThat(s.lastCommit.events()).hasSize(2);
  }

  @Test
  void nestedFailureBranchRuns() {
    TxnRequest.Builder inner = TxnRequest.newBuilder()
        .addCompare(compare("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("nope")))
        .addFailure(op(Kv.put("e", "else")));
    TxnResponse r = s.txn(TxnRequest.newBuilder()
        .addCompare(compare("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(b("nope")))
        .addFailure(op(inner)));

    assertThat(r.getSucceeded()).isFalse();
    assertThat(r.getResponses(0).getResponseTxn().getSucceeded()).isFalse();
    assertThat(s.range(Kv.get("e")).getKvs(0).getValue()).isEqualTo(b("else"));
  }

  @Test
  void ignoreValueOnAMissingKeyInTheTakenBranchFailsTheWholeTxn() {
    long index = s.index;

    assertThatThrownBy(() -> s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("c", "1")))
        .addSuccess(op(Kv.put("z", "").setIgnoreValue(true)))))
        .isInstanceOf(InvalidRequestException.class).hasMessage("etcdserver: key not found");

    assertThat(s.range(Kv.get("c")).getCount()).isZero();
    assertThat(s.store.currentRevision()).isEqualTo(4);
    assertThat(s.backend.appliedIndex()).isEqualTo(index + 1);
  }

  @Test
  void checksIgnoreTheBranchNotTaken() {
    TxnResponse r = s.txn(TxnRequest.newBuilder()
        .addFailure(op(Kv.put("z", "").setIgnoreValue(true)))
        .addFailure(op(Kv.get("a").setRevision(100))));

    assertThat(r.getSucceeded()).isTrue();
  }

  @Test
  void txnChecksTheKeyBeforeTheLease() {
    assertThatThrownBy(() -> s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("z", "").setIgnoreValue(true).setLease(9)))))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("z", "1").setLease(9)))))
        .isInstanceOf(LeaseNotFoundException.class);
  }

  @Test
  void rangeAtAFutureOrCompactedRevisionFailsTheTxnBeforeAnyWrite() {
    assertThatThrownBy(() -> s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("c", "1")))
        .addSuccess(op(Kv.get("a").setRevision(5)))))
        .isInstanceOf(FutureRevisionException.class);
    s.compact(3);
    assertThatThrownBy(() -> s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("c", "1")))
        .addSuccess(op(Kv.get("a").setRevision(2)))))
        .isInstanceOf(CompactedException.class);

    assertThat(s.range(Kv.get("c")).getCount()).isZero();
  }

  @Test
  void putChecksRunBeforeRangeChecks() {
    assertThatThrownBy(() -> s.txn(TxnRequest.newBuilder()
        .addSuccess(op(Kv.get("a").setRevision(100)))
        .addSuccess(op(Kv.put("z", "").setIgnoreValue(true)))))
        .isInstanceOf(InvalidRequestException.class);
  }
}
