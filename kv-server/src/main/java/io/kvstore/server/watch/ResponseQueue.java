package io.kvstore.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.kvstore.api.etcdserverpb.WatchResponse;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The outbound side of one watch stream: a bounded FIFO of responses, sent by one drain task at a
 * time on a shared executor, and only while gRPC says the client keeps up ({@code isReady}), so a
 * client that stops reading fills this queue rather than the server's memory. Ordinary offers
 * are refused when the queue holds {@code maxResponses} responses or {@code maxBytes} bytes
 * (but never when it is empty); forced ones — control responses and notices — always go in.
 * After refusing, the queue calls {@code onRoom} once it has drained to half its bounds.
 *
 * <p>Thread-safety: safe for concurrent use. {@code lock} guards the queue state and is held
 * only briefly, never while sending; {@code sendLock} serializes every call on the observer and
 * keeps responses in queue order.
 */
final class ResponseQueue {
  private final ServerCallStreamObserver<WatchResponse> out;
  private final Executor executor;
  private final int maxResponses;
  private final long maxBytes;
  private final Runnable onRoom;
  private final ReentrantLock lock = new ReentrantLock();
  private final ReentrantLock sendLock = new ReentrantLock();
  private final ArrayDeque<WatchResponse> queue = new ArrayDeque<>();
  /** The serialized size of the queued responses. */
  private long bytes;
  /** An offer was refused since the last time {@code onRoom} ran. */
  private boolean refused;
  /** A drain task is queued on the executor and has not started. */
  private boolean scheduled;
  /** Nothing is queued or sent once set. */
  private boolean closed;

  ResponseQueue(ServerCallStreamObserver<WatchResponse> out, Executor executor, int maxResponses,
      long maxBytes, Runnable onRoom) {
    this.out = out;
    this.executor = executor;
    this.maxResponses = maxResponses;
    this.maxBytes = maxBytes;
    this.onRoom = onRoom;
  }

  /**
   * Queues {@code responses} (all or none, in order) and schedules sending; returns false if the
   * queue is full and {@code force} is not set. After {@link #close} everything is dropped.
   */
  boolean offer(List<WatchResponse> responses, boolean force) {
    boolean schedule;
    lock.lock();
    try {
      if (closed) {
        return true;
      }
      if (!force && !queue.isEmpty() && (queue.size() >= maxResponses || bytes >= maxBytes)) {
        refused = true;
        return false;
      }
      for (WatchResponse r : responses) {
        queue.add(r);
        bytes += r.getSerializedSize();
      }
      schedule = !scheduled;
      scheduled = true;
    } finally {
      lock.unlock();
    }
    if (schedule) {
      executor.execute(this::drain);
    }
    return true;
  }

  /** Sends what the client can take now; the transport's on-ready callback calls it again. */
  void drain() {
    boolean room = false;
    lock.lock();
    try {
      scheduled = false;
    } finally {
      lock.unlock();
    }
    sendLock.lock();
    try {
      while (out.isReady()) {
        WatchResponse next;
        lock.lock();
        try {
          next = closed ? null : queue.poll();
          if (next == null) {
            break;
          }
          bytes -= next.getSerializedSize();
          if (refused && queue.size() <= maxResponses / 2 && bytes <= maxBytes / 2) {
            refused = false;
            room = true;
          }
        } finally {
          lock.unlock();
        }
        out.onNext(next);
      }
    } finally {
      sendLock.unlock();
    }
    if (room) {
      onRoom.run();
    }
  }

  /**
   * Drops what is queued and sends nothing more; ends the call with {@code status} unless it is
   * null (the client is already gone).
   */
  void close(Status status) {
    lock.lock();
    try {
      closed = true;
      queue.clear();
      bytes = 0;
    } finally {
      lock.unlock();
    }
    if (status != null) {
      sendLock.lock();
      try {
        out.onError(status.asRuntimeException());
      } finally {
        sendLock.unlock();
      }
    }
  }
}
