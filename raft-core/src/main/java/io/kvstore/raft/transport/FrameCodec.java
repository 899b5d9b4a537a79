package io.kvstore.raft.transport;

import io.kvstore.raft.pb.Frame;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;

/**
 * Stateless; the handlers it installs belong to one channel each. The wire format of a peer
 * connection: each {@link Frame} is preceded by its length as a 4-byte big-endian integer, and a
 * frame longer than {@link #MAX_FRAME_BYTES} closes the connection.
 */
final class FrameCodec {

  /** The largest frame either side accepts; a longer one closes the connection. */
  static final int MAX_FRAME_BYTES = 16 << 20;

  /** The largest message {@link NettyTransport#send} accepts: a frame less envelope headroom. */
  static final int MAX_MESSAGE_BYTES = MAX_FRAME_BYTES - (64 << 10);

  private FrameCodec() {}

  /** Adds the decoder and encoder for {@link Frame}s to an empty pipeline. */
  static void install(ChannelPipeline pipeline) {
    pipeline
        .addLast("frameDecoder", new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4))
        .addLast("protobufDecoder", new ProtobufDecoder(Frame.getDefaultInstance()))
        .addLast("framePrepender", new LengthFieldPrepender(4))
        .addLast("protobufEncoder", new ProtobufEncoder());
  }
}
