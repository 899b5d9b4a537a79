package io.kvstore.raft.core;

import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * An in-memory cluster of {@link TestNode}s that delivers messages synchronously, in order, until
 * nobody has anything left to do. Messages matching a drop rule, or addressed to a member that is
 * not in the network, are lost. Deterministic: members are visited in id order.
 */
final class Network {
  private static final int MAX_ROUNDS = 10_000;

  private final TreeMap<Long, TestNode> nodes = new TreeMap<>();
  private final List<Predicate<Message>> dropRules = new ArrayList<>();
  private final List<Message> delivered = new ArrayList<>();

  static Network of(TestNode... members) {
    Network n = new Network();
    for (TestNode m : members) {
      n.add(m);
    }
    return n;
  }

  /** Members 1..size, bootstrapped as voters, with the paper config changed by {@code tweak}. */
  static Network create(int size, UnaryOperator<Config> tweak) {
    long[] ids = Fixtures.ids(size);
    Network n = new Network();
    for (long id : ids) {
      n.add(new TestNode(tweak.apply(Fixtures.paperConfig(id)), MemoryStorage.withVoters(ids)));
    }
    return n;
  }

  static Network paper(int size) {
    return create(size, c -> c);
  }

  void add(TestNode member) {
    nodes.put(member.id, member);
  }

  TestNode node(long id) {
    return nodes.get(id);
  }

  void drop(Predicate<Message> rule) {
    dropRules.add(rule);
  }

  /** Loses every message between {@code a} and {@code b}, both ways. */
  void cut(long a, long b) {
    drop(m -> (m.getFrom() == a && m.getTo() == b) || (m.getFrom() == b && m.getTo() == a));
  }

  void isolate(long id) {
    drop(m -> m.getFrom() == id || m.getTo() == id);
  }

  void heal() {
    dropRules.clear();
  }

  /** Forgets the messages delivered so far, so that assertions see only what follows. */
  void forgetDelivered() {
    delivered.clear();
  }

  /** Every message delivered so far, in delivery order. */
  List<Message> delivered(Predicate<Message> filter) {
    return delivered.stream().filter(filter).toList();
  }

  List<Message> delivered(MessageType type, long from, long to) {
    return delivered(m -> m.getType() == type && m.getFrom() == from && m.getTo() == to);
  }

  /** Runs every member's Readies and delivers their messages until the network is quiet. */
  void stabilize() {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<Message> outbox = new ArrayList<>();
      for (TestNode n : nodes.values()) {
        outbox.addAll(n.drain());
      }
      if (outbox.isEmpty()) {
        return;
      }
      outbox.forEach(this::deliver);
    }
    throw new AssertionError("network did not quiesce within " + MAX_ROUNDS + " rounds");
  }

  private void deliver(Message m) {
    TestNode to = nodes.get(m.getTo());
    if (to == null || dropRules.stream().anyMatch(r -> r.test(m))) {
      return;
    }
    delivered.add(m);
    to.raw.step(m);
    if (m.getType() == MessageType.MSG_SNAP) {
      // The transport reports a delivered snapshot back to the sender.
      nodes.get(m.getFrom()).raw.reportSnapshot(m.getTo(), false);
    }
  }

  /** Campaigns on {@code id} and lets the election run to completion. */
  void campaign(long id) {
    nodes.get(id).raw.campaign();
    stabilize();
  }

  /** Proposes {@code data} on {@code id} and lets replication run to completion. */
  void propose(long id, String data) {
    nodes.get(id).raw.propose(Fixtures.bytes(data));
    stabilize();
  }

  /** Ticks every member once and stabilizes, {@code rounds} times. */
  void tickAll(int rounds) {
    for (int i = 0; i < rounds; i++) {
      nodes.values().forEach(n -> n.raw.tick());
      stabilize();
    }
  }

  /** Ticks one member {@code times} times, stabilizing after each tick. */
  void tick(long id, int times) {
    for (int i = 0; i < times; i++) {
      nodes.get(id).raw.tick();
      stabilize();
    }
  }

  /** The leader of the highest term. */
  TestNode leader() {
    return nodes.values().stream()
        .filter(n -> n.state() == StateType.LEADER)
        .max(Comparator.comparingLong(TestNode::term))
        .orElseThrow(() -> new AssertionError("no leader"));
  }
}
