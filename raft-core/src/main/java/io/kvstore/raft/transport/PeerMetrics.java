package io.kvstore.raft.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread-safe. The meters of one peer, named as etcd names them (member ids as hex in the {@code
 * To}, {@code From}, {@code Local} and {@code Remote} tags) where etcd has one.
 */
final class PeerMetrics {

  private final MeterRegistry registry;

  /** Every meter registered here, removed again by {@link #close}. */
  private final List<Meter> meters = new ArrayList<>();

  /** 1 while a handshaken connection to the peer is in use, else 0. */
  private final AtomicInteger active = new AtomicInteger();

  final Counter sentBytes;
  final Counter sentMessages;
  final Counter sentFailures;
  final Counter receivedBytes;
  final Counter receivedMessages;
  final Counter disconnects;
  final Counter snapshotSendSuccess;
  final Counter snapshotSendFailures;
  final Counter snapshotReceiveSuccess;
  final Counter snapshotReceiveFailures;

  PeerMetrics(MeterRegistry registry, long localId, long peerId) {
    this.registry = registry;
    String local = Long.toHexString(localId);
    String peer = Long.toHexString(peerId);
    sentBytes = counter("etcd_network_peer_sent_bytes_total", "To", peer);
    sentMessages = counter("kvstore_network_peer_sent_messages_total", "To", peer);
    sentFailures = counter("etcd_network_peer_sent_failures_total", "To", peer);
    receivedBytes = counter("etcd_network_peer_received_bytes_total", "From", peer);
    receivedMessages = counter("kvstore_network_peer_received_messages_total", "From", peer);
    snapshotSendSuccess = counter("etcd_network_snapshot_send_success", "To", peer);
    snapshotSendFailures = counter("etcd_network_snapshot_send_failures", "To", peer);
    snapshotReceiveSuccess = counter("etcd_network_snapshot_receive_success", "From", peer);
    snapshotReceiveFailures = counter("etcd_network_snapshot_receive_failures", "From", peer);
    disconnects =
        register(
            Counter.builder("etcd_network_disconnected_peers_total")
                .tag("Local", local)
                .tag("Remote", peer)
                .register(registry));
    register(
        Gauge.builder("etcd_network_active_peers", active, AtomicInteger::get)
            .tag("Local", local)
            .tag("Remote", peer)
            .register(registry));
  }

  void sent(int bytes) {
    sentMessages.increment();
    sentBytes.increment(bytes);
  }

  void received(int bytes) {
    receivedMessages.increment();
    receivedBytes.increment(bytes);
  }

  void connected() {
    active.set(1);
  }

  void disconnected() {
    active.set(0);
    disconnects.increment();
  }

  /** Removes this peer's meters from the registry. */
  synchronized void close() {
    meters.forEach(registry::remove);
    meters.clear();
  }

  private Counter counter(String name, String tag, String peer) {
    return register(Counter.builder(name).tag(tag, peer).register(registry));
  }

  private synchronized <M extends Meter> M register(M meter) {
    meters.add(meter);
    return meter;
  }
}
