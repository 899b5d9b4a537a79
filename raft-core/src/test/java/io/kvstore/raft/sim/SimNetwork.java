package io.kvstore.raft.sim;

import io.kvstore.raft.pb.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated network: messages wait in flight and are delivered one at a time in random order
 * (so they are delayed and reordered), may be dropped or duplicated when sent, and are lost when
 * a partition separates sender and receiver at delivery time.
 *
 * <p>Thread-safety: not thread-safe; the simulation is single-threaded.
 *
 * <p>Invariant: a node absent from {@code groups} is in group 0; nodes communicate only within
 * the same group.
 */
final class SimNetwork {
  private final SplittableRandom random;
  private final ArrayList<Message> inFlight = new ArrayList<>();
  private final Map<Long, Integer> groups = new HashMap<>();
  double dropRate;
  double duplicateRate;

  SimNetwork(SplittableRandom random, double dropRate, double duplicateRate) {
    this.random = random;
    this.dropRate = dropRate;
    this.duplicateRate = duplicateRate;
  }

  /** Queues a message; returns false if the network dropped it at once. */
  boolean send(Message m) {
    if (random.nextDouble() < dropRate) {
      return false;
    }
    inFlight.add(m);
    if (random.nextDouble() < duplicateRate) {
      inFlight.add(m);
    }
    return true;
  }

  boolean isEmpty() {
    return inFlight.isEmpty();
  }

  int size() {
    return inFlight.size();
  }

  /** Removes a random in-flight message, or returns null if none is left. */
  Message takeRandom() {
    if (inFlight.isEmpty()) {
      return null;
    }
    int i = random.nextInt(inFlight.size());
    Message m = inFlight.get(i);
    inFlight.set(i, inFlight.get(inFlight.size() - 1));
    inFlight.remove(inFlight.size() - 1);
    return m;
  }

  /** Removes every in-flight message, in sending order. */
  List<Message> takeAll() {
    List<Message> out = new ArrayList<>(inFlight);
    inFlight.clear();
    return out;
  }

  boolean connected(long a, long b) {
    return groups.getOrDefault(a, 0).equals(groups.getOrDefault(b, 0));
  }

  /** Splits {@code nodes} into two random non-empty sides (or isolates one node). */
  void partition(List<Long> nodes) {
    groups.clear();
    if (nodes.size() < 2) {
      return;
    }
    List<Long> shuffled = new ArrayList<>(nodes);
    for (int i = shuffled.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Long t = shuffled.get(i);
      shuffled.set(i, shuffled.get(j));
      shuffled.set(j, t);
    }
    int cut = 1 + random.nextInt(shuffled.size() - 1);
    for (int i = 0; i < cut; i++) {
      groups.put(shuffled.get(i), 1);
    }
  }

  void heal() {
    groups.clear();
  }
}
