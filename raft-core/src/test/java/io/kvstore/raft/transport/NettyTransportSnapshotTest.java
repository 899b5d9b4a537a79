package io.kvstore.raft.transport;

import static io.kvstore.raft.transport.TransportFixture.NO_SNAPSHOTS;
import static io.kvstore.raft.transport.TransportFixture.REFUSING_SINK;
import static io.kvstore.raft.transport.TransportFixture.config;
import static io.kvstore.raft.transport.TransportFixture.connect;
import static io.kvstore.raft.transport.TransportFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.kvstore.raft.pb.Snapshot;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.transport.RecordingInbound.SnapshotStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class NettyTransportSnapshotTest {

  private static final int SIZE = 8 << 20;
  private static final SnapshotMetadata META =
      SnapshotMetadata.newBuilder()
          .setTerm(2)
          .setIndex(100)
          .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2))
          .build();
  private static final Message SNAP =
      message(MessageType.MSG_SNAP, 1, 2, 0).toBuilder()
          .setTerm(2)
          .setSnapshot(
              Snapshot.newBuilder()
                  .setMetadata(META)
                  .setData(ByteString.copyFromUtf8("never sent inline")))
          .build();

  @TempDir Path dir;
  private final TransportFixture fixture = new TransportFixture();

  /** What member 2 saw, in order: "chunk", "commit", "abort" and delivered message types. */
  private final List<String> events = new CopyOnWriteArrayList<>();

  private final RecordingSink sink = new RecordingSink(events);
  private final RecordingInbound in1 = new RecordingInbound();
  private final RecordingInbound in2 =
      new RecordingInbound() {
        @Override
        public void onMessage(Message message) {
          if (!TransportFixture.isProbe(message)) {
            events.add(message.getType().name());
          }
          super.onMessage(message);
        }
      };
  private byte[] content;
  private NettyTransport t1;

  @BeforeEach
  void startTwoMembers() throws Exception {
    content = new byte[SIZE];
    new Random(42).nextBytes(content);
    Path file = Files.write(dir.resolve("snapshot"), content);
    SnapshotSource source =
        (term, index) -> term == 2 && index == 100 ? Optional.of(file) : Optional.empty();
    t1 = fixture.start(config(1, 0), source, REFUSING_SINK, new SimpleMeterRegistry(), in1);
    NettyTransport t2 =
        fixture.start(config(2, 0), NO_SNAPSHOTS, sink, new SimpleMeterRegistry(), in2);
    t2.addPeer(1, t1.localAddress());
    t1.addPeer(2, t2.localAddress());
    connect(t1, 1, 2, in2);
    connect(t2, 2, 1, in1);
  }

  @AfterEach
  void closeTransports() {
    fixture.close();
  }

  @Test
  void streamsInChunksWhileHeartbeatsFlowThenDelivers() throws Exception {
    CountDownLatch midStream = new CountDownLatch(1);
    CountDownLatch heartbeatSent = new CountDownLatch(1);
    sink.beforeChunk =
        n -> {
          if (n == 3) {
            midStream.countDown();
            await(heartbeatSent);
          }
        };

    t1.send(SNAP);
    assertThat(midStream.await(10, TimeUnit.SECONDS)).isTrue();
    t1.send(message(MessageType.MSG_HEARTBEAT, 1, 2, 0));
    heartbeatSent.countDown();

    assertThat(in1.nextSnapshotStatus()).isEqualTo(new SnapshotStatus(2, false));
    assertThat(in2.next().getType()).isEqualTo(MessageType.MSG_HEARTBEAT);
    Message delivered = in2.next();
    assertThat(delivered.getType()).isEqualTo(MessageType.MSG_SNAP);
    assertThat(delivered.getSnapshot().getData()).isEmpty();
    assertThat(delivered.getSnapshot().getMetadata()).isEqualTo(META);
    assertThat(sink.received).isEqualTo(META);
    assertThat(sink.data.toByteArray()).isEqualTo(content);
    int chunks = SIZE / NettyTransportConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES;
    assertThat(Collections.frequency(events, "chunk")).isEqualTo(chunks);
    assertThat(events.indexOf("MSG_HEARTBEAT")).isLessThan(events.lastIndexOf("chunk"));
    assertThat(events.subList(events.size() - 2, events.size()))
        .containsExactly("commit", "MSG_SNAP");
  }

  @Test
  void brokenConnectionAbortsTheReceiverAndReportsFailure() throws Exception {
    CountDownLatch midStream = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    sink.beforeChunk =
        n -> {
          if (n == 3) {
            midStream.countDown();
            await(proceed);
          }
        };

    t1.send(SNAP);
    assertThat(midStream.await(10, TimeUnit.SECONDS)).isTrue();
    t1.removePeer(2);

    assertThat(in1.nextSnapshotStatus()).isEqualTo(new SnapshotStatus(2, true));
    proceed.countDown();
    assertThat(sink.aborted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(events).doesNotContain("commit", "MSG_SNAP");
  }

  @Test
  void failedCommitAbortsAndReportsFailure() throws Exception {
    sink.failCommit = true;

    t1.send(SNAP);

    assertThat(in1.nextSnapshotStatus()).isEqualTo(new SnapshotStatus(2, true));
    assertThat(sink.aborted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(events).doesNotContain("MSG_SNAP");
  }

  @Test
  void missingFileReportsFailure() throws Exception {
    t1.send(
        SNAP.toBuilder()
            .setSnapshot(SNAP.getSnapshot().toBuilder().setMetadata(META.toBuilder().setIndex(99)))
            .build());

    assertThat(in1.nextSnapshotStatus()).isEqualTo(new SnapshotStatus(2, true));
  }

  @Test
  void secondSnapshotFailsWhileOneIsStreaming() throws Exception {
    CountDownLatch midStream = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    sink.beforeChunk =
        n -> {
          if (n == 3) {
            midStream.countDown();
            await(proceed);
          }
        };

    t1.send(SNAP);
    assertThat(midStream.await(10, TimeUnit.SECONDS)).isTrue();
    t1.send(SNAP);
    assertThat(in1.nextSnapshotStatus()).isEqualTo(new SnapshotStatus(2, true));
    proceed.countDown();

    assertThat(in1.nextSnapshotStatus()).isEqualTo(new SnapshotStatus(2, false));
    assertThat(sink.data.toByteArray()).isEqualTo(content);
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IOException("test gate not opened within 20 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException();
    }
  }

  /** Gate run before each chunk is written, with the chunk's 1-based number. */
  @FunctionalInterface
  interface ChunkGate {
    void before(int chunk) throws IOException;
  }

  /** Keeps one snapshot in memory and records what happened to it. Thread-safety: thread-safe. */
  static final class RecordingSink implements SnapshotSink {
    private final List<String> events;
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    final CountDownLatch aborted = new CountDownLatch(1);
    volatile ChunkGate beforeChunk = n -> {};
    volatile boolean failCommit;
    volatile SnapshotMetadata received;

    RecordingSink(List<String> events) {
      this.events = events;
    }

    @Override
    public Receiver receive(SnapshotMetadata meta) {
      received = meta;
      AtomicInteger chunks = new AtomicInteger();
      return new Receiver() {
        @Override
        public void write(byte[] chunk) throws IOException {
          beforeChunk.before(chunks.incrementAndGet());
          events.add("chunk");
          data.write(chunk);
        }

        @Override
        public void commit() throws IOException {
          if (failCommit) {
            throw new IOException("disk full");
          }
          events.add("commit");
        }

        @Override
        public void abort() {
          events.add("abort");
          aborted.countDown();
        }
      };
    }
  }
}
