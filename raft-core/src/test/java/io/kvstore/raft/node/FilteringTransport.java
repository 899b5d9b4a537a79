package io.kvstore.raft.node;

import io.kvstore.raft.pb.Message;
import io.kvstore.raft.transport.Transport;
import java.net.InetSocketAddress;
import java.util.function.Predicate;

/**
 * A transport that drops the outbound messages a test's filter picks, as a lossy network would,
 * and passes everything else to the real one.
 *
 * <p>Thread-safety: as the wrapped transport; the filter may be replaced from any thread.
 */
final class FilteringTransport implements Transport {
  private final Transport inner;
  private volatile Predicate<Message> drop = m -> false;

  FilteringTransport(Transport inner) {
    this.inner = inner;
  }

  /** From now on, drops each outbound message {@code drop} accepts. */
  void dropWhen(Predicate<Message> newDrop) {
    drop = newDrop;
  }

  @Override
  public void start(Inbound inbound) {
    inner.start(inbound);
  }

  @Override
  public InetSocketAddress localAddress() {
    return inner.localAddress();
  }

  @Override
  public void addPeer(long id, InetSocketAddress address) {
    inner.addPeer(id, address);
  }

  @Override
  public void removePeer(long id) {
    inner.removePeer(id);
  }

  @Override
  public void send(Message message) {
    if (!drop.test(message)) {
      inner.send(message);
    }
  }

  @Override
  public void close() {
    inner.close();
  }
}
