package io.kvstore.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.mvccpb.KeyValue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Request encoding on the gRPC path: a {@code PutRequest} with a 256-byte value, and a {@code
 * RangeResponse} of {@code kvs} key-values with 256-byte values, each encoded to bytes (building
 * the message included) and decoded from bytes. Stateless apart from the prepared messages.
 *
 * <p>Thread-safety: per-thread state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ProtoCodecBenchmark {
  @Param({"1", "100"})
  public int kvs;

  private ByteString key;
  private ByteString value;
  private byte[] putBytes;
  private RangeResponse range;
  private byte[] rangeBytes;

  @Setup
  public void setUp() {
    key = ByteString.copyFromUtf8("/registry/pods/default/bench-0001");
    value = Payloads.random(1, 3).get(0);
    putBytes = encodePut();
    RangeResponse.Builder r = RangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder()
        .setClusterId(0x1234).setMemberId(0x5678).setRevision(1_000_000).setRaftTerm(7));
    for (int i = 0; i < kvs; i++) {
      r.addKvs(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("/registry/pods/default/p" + i))
          .setValue(value).setCreateRevision(1000 + i).setModRevision(2000 + i).setVersion(3));
    }
    range = r.setCount(kvs).build();
    rangeBytes = range.toByteArray();
  }

  @Benchmark
  public byte[] encodePut() {
    return PutRequest.newBuilder().setKey(key).setValue(value).setPrevKv(false).build()
        .toByteArray();
  }

  @Benchmark
  public PutRequest decodePut() throws InvalidProtocolBufferException {
    return PutRequest.parseFrom(putBytes);
  }

  @Benchmark
  public byte[] encodeRangeResponse() {
    return range.toByteArray();
  }

  @Benchmark
  public RangeResponse decodeRangeResponse() throws InvalidProtocolBufferException {
    return RangeResponse.parseFrom(rangeBytes);
  }
}
