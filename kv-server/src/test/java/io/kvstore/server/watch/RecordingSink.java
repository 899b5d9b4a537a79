package io.kvstore.server.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.api.mvccpb.Event;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A sink that holds at most {@code capacity} offered batches until the test takes them, as a
 * stream whose client reads slowly; forced batches always go in. Thread-safe.
 */
final class RecordingSink implements WatchSink {
  private final int capacity;
  /** Guarded by this. */
  private final ArrayDeque<WatchBatch> held = new ArrayDeque<>();
  private int offered;
  private int syncedCalls;

  RecordingSink(int capacity) {
    this.capacity = capacity;
  }

  @Override
  public synchronized boolean offer(WatchBatch events) {
    if (held.size() >= capacity) {
      return false;
    }
    held.add(events);
    offered++;
    notifyAll();
    return true;
  }

  @Override
  public synchronized void force(WatchBatch notice) {
    held.add(notice);
    notifyAll();
  }

  @Override
  public synchronized void synced() {
    syncedCalls++;
  }

  synchronized int syncedCalls() {
    return syncedCalls;
  }

  synchronized int held() {
    return held.size();
  }

  /** Takes the next batch, waiting up to {@code timeout}; fails the test if none comes. */
  synchronized WatchBatch take(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (held.isEmpty()) {
      long left = deadline - System.nanoTime();
      assertThat(left).as("a batch within %s", timeout).isPositive();
      wait(Math.max(1, left / 1_000_000));
    }
    return held.poll();
  }

  /** Takes everything held now. */
  synchronized List<WatchBatch> takeAll() {
    List<WatchBatch> out = new ArrayList<>(held);
    held.clear();
    return out;
  }

  /** Takes batches until their events reach {@code revision}; returns the events, in order. */
  List<Event> eventsThrough(long revision, Duration timeout) throws InterruptedException {
    List<Event> events = new ArrayList<>();
    long last = 0;
    while (last < revision) {
      WatchBatch b = take(timeout);
      events.addAll(b.events());
      if (!b.events().isEmpty()) {
        last = b.events().get(b.events().size() - 1).getKv().getModRevision();
      }
    }
    return events;
  }
}
