package io.kvstore.server.mvcc;

import static io.kvstore.server.mvcc.Kv.compare;
import static io.kvstore.server.mvcc.Kv.op;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.api.etcdserverpb.Compare.CompareResult;
import io.kvstore.api.etcdserverpb.Compare.CompareTarget;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The checks before proposing, with etcd's texts (v3rpc/key.go). */
class RequestValidatorTest {
  private final RequestValidator validator =
      new RequestValidator(RequestValidator.DEFAULT_MAX_TXN_OPS);

  private void refused(TxnRequest.Builder t, String message) {
    assertThatThrownBy(() -> validator.checkTxn(t.build()))
        .isInstanceOf(InvalidRequestException.class).hasMessage(message)
        .extracting(e -> ((EtcdException) e).code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
  }

  private void accepted(TxnRequest.Builder t) {
    assertThatCode(() -> validator.checkTxn(t.build())).doesNotThrowAnyException();
  }

  private static final String DUPLICATE = "etcdserver: duplicate key given in txn request";

  @Test
  void emptyKeysAreRefused() {
    String text = "etcdserver: key is not provided";
    assertThatThrownBy(() -> validator.checkRange(Kv.get("").build())).hasMessage(text);
    assertThatThrownBy(() -> validator.checkPut(Kv.put("", "v").build())).hasMessage(text);
    assertThatThrownBy(() -> validator.checkDeleteRange(Kv.del("").build())).hasMessage(text);
    refused(TxnRequest.newBuilder().addCompare(compare("", CompareTarget.VERSION,
        CompareResult.EQUAL)), text);
    refused(TxnRequest.newBuilder().addFailure(op(Kv.get(""))), text);
  }

  @Test
  void ignoreValueWithAValueAndIgnoreLeaseWithALeaseAreRefused() {
    assertThatThrownBy(() -> validator.checkPut(Kv.put("k", "v").setIgnoreValue(true).build()))
        .hasMessage("etcdserver: value is provided");
    assertThatThrownBy(() -> validator.checkPut(Kv.put("k", "").setIgnoreLease(true).setLease(5)
        .build())).hasMessage("etcdserver: lease is provided");
    refused(TxnRequest.newBuilder().addSuccess(op(Kv.put("k", "v").setIgnoreValue(true))),
        "etcdserver: value is provided");
  }

  @Test
  void emptyOperationIsKeyNotFound() {
    refused(TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()),
        "etcdserver: key not found");
  }

  @Test
  void tooManyOperations() {
    TxnRequest.Builder max = TxnRequest.newBuilder();
    TxnRequest.Builder over = TxnRequest.newBuilder();
    for (int i = 0; i < 128; i++) {
      max.addSuccess(op(Kv.put("k" + i, "v")));
      over.addFailure(op(Kv.put("k" + i, "v")));
    }
    over.addFailure(op(Kv.put("k128", "v")));

    accepted(max);
    refused(over, "etcdserver: too many operations in txn request");
    refused(TxnRequest.newBuilder().addAllCompare(Collections.nCopies(129,
        compare("k", CompareTarget.VERSION, CompareResult.EQUAL).build())),
        "etcdserver: too many operations in txn request");
  }

  @Test
  void nestedTxnsGetWhatTheLevelAboveLeaves() {
    RequestValidator small = new RequestValidator(3);
    TxnRequest.Builder inner = TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("x", "1"))).addSuccess(op(Kv.put("y", "1")));
    TxnRequest ok = TxnRequest.newBuilder().addSuccess(op(inner)).build();
    TxnRequest tooMany = TxnRequest.newBuilder().addSuccess(op(inner))
        .addSuccess(op(Kv.get("a"))).build();

    assertThatCode(() -> small.checkTxn(ok)).doesNotThrowAnyException();
    assertThatThrownBy(() -> small.checkTxn(tooMany))
        .hasMessage("etcdserver: too many operations in txn request");
  }

  @Test
  void sameKeyPutTwiceIsADuplicate() {
    refused(TxnRequest.newBuilder().addSuccess(op(Kv.put("a", "1")))
        .addSuccess(op(Kv.put("a", "2"))), DUPLICATE);
  }

  @Test
  void putInsideADeletedRangeIsADuplicate() {
    refused(TxnRequest.newBuilder().addSuccess(op(Kv.delRange("a", "c")))
        .addSuccess(op(Kv.put("b", "2"))), DUPLICATE);
    refused(TxnRequest.newBuilder().addSuccess(op(Kv.put("a", "2")))
        .addSuccess(op(Kv.del("a"))), DUPLICATE);
    accepted(TxnRequest.newBuilder().addSuccess(op(Kv.delRange("a", "c")))
        .addSuccess(op(Kv.put("c", "2"))));
  }

  @Test
  void deleteToZeroByteCoversNoPutAsInEtcd() {
    accepted(TxnRequest.newBuilder().addSuccess(op(Kv.delRange("a", "\0")))
        .addSuccess(op(Kv.put("b", "2"))));
  }

  @Test
  void deletesAndReadsOfTheSameKeyAreFine() {
    accepted(TxnRequest.newBuilder().addSuccess(op(Kv.del("a"))).addSuccess(op(Kv.del("a")))
        .addSuccess(op(Kv.get("a"))));
  }

  @Test
  void thenAndElseOfANestedTxnMayPutTheSameKey() {
    TxnRequest.Builder inner = TxnRequest.newBuilder()
        .addSuccess(op(Kv.put("a", "1"))).addFailure(op(Kv.put("a", "2")));

    accepted(TxnRequest.newBuilder().addSuccess(op(inner)));
  }

  @Test
  void nestedPutOfAKeyTheOuterLevelWritesIsADuplicate() {
    TxnRequest.Builder inner = TxnRequest.newBuilder().addFailure(op(Kv.put("a", "1")));

    refused(TxnRequest.newBuilder().addSuccess(op(inner)).addSuccess(op(Kv.put("a", "2"))),
        DUPLICATE);
    refused(TxnRequest.newBuilder().addSuccess(op(Kv.del("a"))).addSuccess(op(inner)),
        DUPLICATE);
  }

  @Test
  void nestedDeleteCoversALaterNestedPutAndAnOuterPut() {
    TxnRequest.Builder deleting = TxnRequest.newBuilder().addSuccess(op(Kv.delRange("a", "z")));
    TxnRequest.Builder putting = TxnRequest.newBuilder().addSuccess(op(Kv.put("m", "1")));

    refused(TxnRequest.newBuilder().addSuccess(op(deleting)).addSuccess(op(putting)), DUPLICATE);
    refused(TxnRequest.newBuilder().addSuccess(op(deleting)).addSuccess(op(Kv.put("m", "1"))),
        DUPLICATE);
  }

  @Test
  void branchesAreCheckedSeparately() {
    accepted(TxnRequest.newBuilder().addSuccess(op(Kv.put("a", "1")))
        .addFailure(op(Kv.put("a", "2"))));
  }
}
