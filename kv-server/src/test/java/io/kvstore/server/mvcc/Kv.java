package io.kvstore.server.mvcc;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.mvccpb.KeyValue;

/** Request and value builders for the MVCC tests; stateless. */
final class Kv {
  private Kv() {
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static RangeRequest.Builder get(String key) {
    return RangeRequest.newBuilder().setKey(b(key));
  }

  static RangeRequest.Builder getRange(String key, String end) {
    return get(key).setRangeEnd(b(end));
  }

  static PutRequest.Builder put(String key, String value) {
    return PutRequest.newBuilder().setKey(b(key)).setValue(b(value));
  }

  static DeleteRangeRequest.Builder del(String key) {
    return DeleteRangeRequest.newBuilder().setKey(b(key));
  }

  static DeleteRangeRequest.Builder delRange(String key, String end) {
    return del(key).setRangeEnd(b(end));
  }

  static RequestOp op(PutRequest.Builder r) {
    return RequestOp.newBuilder().setRequestPut(r).build();
  }

  static RequestOp op(RangeRequest.Builder r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  static RequestOp op(DeleteRangeRequest.Builder r) {
    return RequestOp.newBuilder().setRequestDeleteRange(r).build();
  }

  static RequestOp op(TxnRequest.Builder r) {
    return RequestOp.newBuilder().setRequestTxn(r).build();
  }

  static Compare.Builder compare(String key, Compare.CompareTarget target,
      Compare.CompareResult result) {
    return Compare.newBuilder().setKey(b(key)).setTarget(target).setResult(result);
  }

  static KeyValue kv(String key, String value, long create, long mod, long version) {
    return KeyValue.newBuilder().setKey(b(key)).setValue(b(value)).setCreateRevision(create)
        .setModRevision(mod).setVersion(version).build();
  }
}
