package io.kvstore.client;

import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Records whether any attempt of one call got a stream on a real connection: the only way its
 * request could reach a server. Until then (no ready member yet, deadline passed while waiting,
 * every member unreachable) the request provably went nowhere. gRPC creates a tracer per attempt,
 * transparent retries included, and all of them report here.
 *
 * <p>Thread-safety: safe for concurrent use; {@link #streamCreated} is monotonic.
 */
final class SendTracker extends ClientStreamTracer.Factory {
  private final AtomicBoolean created = new AtomicBoolean();

  /** Whether a stream was created on a connection, so the request may have been sent. */
  boolean streamCreated() {
    return created.get();
  }

  @Override
  public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info,
      Metadata headers) {
    return new ClientStreamTracer() {
      @Override
      public void streamCreated(Attributes transportAttrs, Metadata headers) {
        created.set(true);
      }
    };
  }
}
