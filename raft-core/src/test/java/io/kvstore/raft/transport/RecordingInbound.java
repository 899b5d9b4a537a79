package io.kvstore.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.pb.Message;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Thread-safe. Records what a transport delivers, keeping the probes of {@link
 * TransportFixture#connect} apart.
 */
class RecordingInbound implements Transport.Inbound {

  record SnapshotStatus(long peerId, boolean failed) {}

  final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  final BlockingQueue<Message> probes = new LinkedBlockingQueue<>();
  final BlockingQueue<Long> unreachable = new LinkedBlockingQueue<>();
  final BlockingQueue<SnapshotStatus> snapshotStatuses = new LinkedBlockingQueue<>();

  @Override
  public void onMessage(Message message) {
    (TransportFixture.isProbe(message) ? probes : messages).add(message);
  }

  @Override
  public void onUnreachable(long peerId) {
    unreachable.add(peerId);
  }

  @Override
  public void onSnapshotStatus(long peerId, boolean failed) {
    snapshotStatuses.add(new SnapshotStatus(peerId, failed));
  }

  /** The next delivered message, waiting up to 10 s. */
  Message next() throws InterruptedException {
    Message message = messages.poll(10, TimeUnit.SECONDS);
    assertThat(message).as("a message within 10 s").isNotNull();
    return message;
  }

  /** The next snapshot status, waiting up to 20 s. */
  SnapshotStatus nextSnapshotStatus() throws InterruptedException {
    SnapshotStatus status = snapshotStatuses.poll(20, TimeUnit.SECONDS);
    assertThat(status).as("a snapshot status within 20 s").isNotNull();
    return status;
  }

  /** Waits up to 10 s for onUnreachable(peerId). */
  void awaitUnreachable(long peerId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Long reported = unreachable.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      assertThat(reported).as("onUnreachable(%d) within 10 s", peerId).isNotNull();
      if (reported == peerId) {
        return;
      }
    }
  }
}
