package io.kvstore.server.backend;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.pb.MemberContext;
import java.util.Arrays;

/**
 * A cluster member as the backend stores it: name and peer URLs, and whether it is a learner.
 * Immutable.
 */
public record MemberRecord(long id, MemberContext context, boolean learner) {

  byte[] encode() {
    byte[] ctx = context.toByteArray();
    byte[] out = new byte[ctx.length + 1];
    out[0] = (byte) (learner ? 1 : 0);
    System.arraycopy(ctx, 0, out, 1, ctx.length);
    return out;
  }

  static MemberRecord decode(long id, byte[] value) {
    if (value.length == 0 || value[0] > 1) {
      throw new IllegalStateException("damaged member record for " + Long.toHexString(id));
    }
    try {
      return new MemberRecord(id,
          MemberContext.parseFrom(Arrays.copyOfRange(value, 1, value.length)), value[0] == 1);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("damaged member record for " + Long.toHexString(id), e);
    }
  }
}
