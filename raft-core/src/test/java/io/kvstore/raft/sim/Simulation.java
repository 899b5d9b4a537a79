package io.kvstore.raft.sim;

import com.google.protobuf.ByteString;
import io.kvstore.raft.core.ProposalDroppedException;
import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.core.ReadState;
import io.kvstore.raft.core.Ready;
import io.kvstore.raft.core.StateType;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.kvstore.raft.pb.Snapshot;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A deterministic simulation of a Raft cluster: N {@link RawNode}s driven as the real driver
 * drives them (persist, send, apply, advance), a {@link SimNetwork} that drops, delays, reorders,
 * duplicates and partitions, crashes that lose un-synced writes, restarts, proposals, ReadIndex
 * reads, membership changes, leadership transfers and snapshot installs. One seed picks every
 * event, so a seed replays exactly. The {@link SafetyChecker} runs after every persisted or
 * applied entry; at the end the cluster is healed and must converge with no acknowledged
 * proposal lost.
 *
 * <p>Thread-safety: not thread-safe; a simulation runs on one thread.
 */
final class Simulation {

  /** A deliberate defect injected to show the checker catches real bugs. */
  enum Fault {
    NONE,
    /** Vote requests claim an up-to-date log, as if voters skipped the §5.4.1 log check. */
    VOTE_WITHOUT_LOG_CHECK,
    /** Messages leave before the Ready is persisted, as if acks were sent before fsync. */
    ACK_BEFORE_FSYNC
  }

  record Options(int nodes, int steps, Fault fault) {}

  /** What one run did, and a fingerprint of everything it saw (equal for equal seeds). */
  record Result(long seed, int acked, long maxCommitted, int elections, int snapshotsInstalled,
      int confChanges, int crashes, long fingerprint) {}

  private record Pending(long node, int incarnation) {}

  private record PendingRead(long node, int incarnation, long minIndex) {}

  private static final int ELECTION_TICK = 10;
  private static final int MAX_NODES = 9;

  private final long seed;
  private final Options options;
  private final SplittableRandom random;
  private final SimNetwork network;
  private final SafetyChecker checker = new SafetyChecker();
  private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  private final Map<Long, Pending> pendingProposals = new HashMap<>();
  private final Map<Long, PendingRead> pendingReads = new HashMap<>();
  private final Map<Long, Long> ackedIndex = new TreeMap<>();
  private long nextValue = 1;
  private long nextReadId = 1;
  private long nextNodeId;
  private long maxAckedIndex;
  private long fingerprint = 17;
  private int elections;
  private int snapshotsInstalled;
  private int confChanges;
  private int crashes;
  /** False once the schedule is over and the cluster is left to converge. */
  private boolean faults = true;

  Simulation(long seed, Options options) {
    this.seed = seed;
    this.options = options;
    this.random = new SplittableRandom(seed);
    this.network = new SimNetwork(random.split(), 0.05, 0.02);
    List<Long> voters = new ArrayList<>();
    for (long id = 1; id <= options.nodes(); id++) {
      voters.add(id);
    }
    for (long id : voters) {
      SimNode n = new SimNode(id);
      nodes.put(id, n);
      n.start(random, ELECTION_TICK, voters);
    }
    nextNodeId = options.nodes() + 1;
  }

  /** Runs the whole schedule and the final convergence check. */
  Result run() {
    try {
      processAllReadies();
      for (int step = 0; step < options.steps(); step++) {
        step();
        processAllReadies();
      }
      settle();
      checkNoAcknowledgedProposalLost();
    } catch (SafetyViolation | IllegalStateException | IllegalArgumentException e) {
      throw new AssertionError("seed " + seed + " (" + options + "): " + e.getMessage()
          + "\n  replay: mvn -pl raft-core test -Dtest=SimulationTest#replay -Dsim.seed=" + seed
          + " -Dsim.nodes=" + options.nodes(), e);
    }
    return new Result(seed, ackedIndex.size(), checker.maxCommitted(), elections,
        snapshotsInstalled, confChanges, crashes, fingerprint);
  }

  // ---- the event schedule ----------------------------------------------------------------------

  private void step() {
    int r = random.nextInt(1000);
    if (r < 300) {
      tickRandomNode();
    } else if (r < 720) {
      deliverOne();
    } else if (r < 840) {
      propose();
    } else if (r < 870) {
      read();
    } else if (r < 880) {
      crashRandomNode();
    } else if (r < 920) {
      restartRandomNode();
    } else if (r < 930) {
      network.partition(new ArrayList<>(nodes.keySet()));
      note(1);
    } else if (r < 955) {
      network.heal();
      note(2);
    } else if (r < 970) {
      changeMembership();
    } else if (r < 975) {
      transferLeadership();
    } else {
      deliverOne();
    }
  }

  private SimNode randomUpNode() {
    List<SimNode> up = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.up()) {
        up.add(n);
      }
    }
    return up.isEmpty() ? null : up.get(random.nextInt(up.size()));
  }

  private SimNode leader() {
    for (SimNode n : nodes.values()) {
      if (n.up() && n.leader) {
        return n;
      }
    }
    return null;
  }

  private void tickRandomNode() {
    SimNode n = randomUpNode();
    if (n != null) {
      n.raft.tick();
      note(3 + n.id);
    }
  }

  private void deliverOne() {
    Message m = network.takeRandom();
    if (m != null) {
      deliver(m);
    }
  }

  /** Delivers a message if its receiver is up and reachable; a snapshot's sender is told. */
  private void deliver(Message m) {
    SimNode to = nodes.get(m.getTo());
    SimNode from = nodes.get(m.getFrom());
    boolean arrives = to != null && to.up() && network.connected(m.getFrom(), m.getTo());
    if (m.getType() == MessageType.MSG_SNAP && from != null && from.up()) {
      from.raft.reportSnapshot(m.getTo(), !arrives);
    }
    if (!arrives) {
      return;
    }
    note(m.getType().getNumber() * 131L + m.getFrom() * 7 + m.getTo());
    to.raft.step(tamper(m));
  }

  private Message tamper(Message m) {
    if (options.fault() == Fault.VOTE_WITHOUT_LOG_CHECK
        && (m.getType() == MessageType.MSG_VOTE || m.getType() == MessageType.MSG_PRE_VOTE)) {
      return m.toBuilder().setLogTerm(Long.MAX_VALUE / 2).setIndex(Long.MAX_VALUE / 2).build();
    }
    return m;
  }

  private void propose() {
    SimNode n = randomUpNode();
    if (n == null) {
      return;
    }
    long value = nextValue++;
    try {
      n.raft.propose(ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(value).array()));
      pendingProposals.put(value, new Pending(n.id, n.incarnation));
      note(value);
    } catch (ProposalDroppedException dropped) {
      note(-value);
    }
  }

  private void read() {
    SimNode n = randomUpNode();
    if (n == null) {
      return;
    }
    long id = nextReadId++;
    try {
      n.raft.readIndex(ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(id).array()));
      pendingReads.put(id, new PendingRead(n.id, n.incarnation, maxAckedIndex));
    } catch (ProposalDroppedException dropped) {
      note(-id);
    }
  }

  private void crashRandomNode() {
    SimNode n = randomUpNode();
    if (n != null) {
      n.crash();
      crashes++;
      note(1000 + n.id);
    }
  }

  private void restartRandomNode() {
    List<SimNode> down = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (!n.up()) {
        down.add(n);
      }
    }
    if (!down.isEmpty()) {
      SimNode n = down.get(random.nextInt(down.size()));
      n.start(random, ELECTION_TICK, null);
      note(2000 + n.id);
    }
  }

  private void changeMembership() {
    SimNode leader = leader();
    if (leader == null) {
      return;
    }
    ConfState cs = leader.confState;
    ConfChange.Builder cc = ConfChange.newBuilder();
    int choice = random.nextInt(4);
    if (choice == 0 && !cs.getLearnersList().isEmpty()) {
      cc.setType(ConfChangeType.CONF_CHANGE_PROMOTE_LEARNER)
          .setNodeId(cs.getLearners(random.nextInt(cs.getLearnersCount())));
    } else if (choice == 1 && cs.getVotersCount() > 3) {
      cc.setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE)
          .setNodeId(cs.getVoters(random.nextInt(cs.getVotersCount())));
    } else if (nextNodeId <= MAX_NODES) {
      long id = nextNodeId++;
      SimNode joiner = new SimNode(id);
      nodes.put(id, joiner);
      joiner.start(random, ELECTION_TICK, null);
      cc.setType(choice == 2 ? ConfChangeType.CONF_CHANGE_ADD_NODE
          : ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE).setNodeId(id);
    } else if (!cs.getLearnersList().isEmpty()) {
      cc.setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE)
          .setNodeId(cs.getLearners(random.nextInt(cs.getLearnersCount())));
    } else {
      return;
    }
    try {
      leader.raft.proposeConfChange(cc.build());
      note(3000 + cc.getNodeId() * 10 + cc.getTypeValue());
    } catch (ProposalDroppedException dropped) {
      note(-3000);
    }
  }

  private void transferLeadership() {
    SimNode leader = leader();
    if (leader == null || leader.confState.getVotersCount() < 2) {
      return;
    }
    long to = leader.confState.getVoters(random.nextInt(leader.confState.getVotersCount()));
    leader.raft.transferLeader(to);
    note(4000 + to);
  }

  // ---- the driver: persist, send, apply, advance -------------------------------------------------

  private void processAllReadies() {
    for (SimNode n : new ArrayList<>(nodes.values())) {
      int rounds = 0;
      while (n.up() && n.raft.hasReady() && rounds++ < 8) {
        handleReady(n);
      }
    }
  }

  private void handleReady(SimNode n) {
    Ready rd = n.raft.ready();
    // As RaftNode, a leader sends before its own write; the fault lets everyone do so.
    boolean leading = rd.softState() != null
        ? rd.softState().state() == StateType.LEADER : n.leader;
    boolean sendFirst = leading || options.fault() == Fault.ACK_BEFORE_FSYNC;
    if (sendFirst) {
      sendAll(n, rd.messages());
    }
    if (faults && random.nextInt(500) == 0) {
      // Crash before the write is synced: the Ready's writes are lost, a leader's sends are not.
      n.crash();
      crashes++;
      note(5000 + n.id);
      return;
    }
    persist(n, rd);
    if (!sendFirst) {
      sendAll(n, rd.messages());
    }
    if (rd.snapshot() != null) {
      n.stateMachine.restore(rd.snapshot().getData());
      if (n.stateMachine.applied != rd.snapshot().getMetadata().getIndex()) {
        throw new SafetyViolation("snapshot data does not match its metadata");
      }
      n.confState = rd.snapshot().getMetadata().getConfState();
      snapshotsInstalled++;
    }
    for (Entry e : rd.committedEntries()) {
      apply(n, e);
    }
    for (ReadState rs : rd.readStates()) {
      checkRead(n, rs);
    }
    n.raft.advance(rd);
    maybeSnapshot(n);
  }

  private void persist(SimNode n, Ready rd) {
    SimStorage disk = n.disk;
    if (rd.snapshot() != null) {
      disk.applySnapshot(rd.snapshot());
    }
    if (!rd.entries().isEmpty()) {
      disk.log.append(rd.entries());
      disk.sync();
      for (Entry e : rd.entries()) {
        long prevTerm = e.getIndex() == 1 ? 0 : disk.term(e.getIndex() - 1);
        checker.onPersisted(n.id, e, prevTerm);
      }
    }
    if (rd.hardState() != null) {
      disk.setHardState(rd.hardState(), rd.mustSync());
      long commit = rd.hardState().getCommit();
      if (commit > n.persistedCommit) {
        checker.onCommitted(n.id, n.persistedCommit, commit, disk);
        n.persistedCommit = commit;
      }
    }
    if (rd.softState() != null) {
      boolean isLeader = rd.softState().state() == StateType.LEADER;
      if (isLeader && !n.leader) {
        long term = disk.log.hardState().getTerm();
        checker.onLeader(n.id, term);
        checker.checkLeaderCompleteness(n.id, term, disk);
        elections++;
        note(6000 + term * 10 + n.id);
      }
      n.leader = isLeader;
    }
  }

  private void sendAll(SimNode n, List<Message> messages) {
    for (Message m : messages) {
      if (m.getType() == MessageType.MSG_SNAP) {
        m = m.toBuilder().setSnapshot(freshSnapshot(n)).build();
      }
      if (!network.send(m) && m.getType() == MessageType.MSG_SNAP) {
        SimNode from = nodes.get(m.getFrom());
        if (from != null && from.up()) {
          from.raft.reportSnapshot(m.getTo(), true);
        }
      }
    }
  }

  private void apply(SimNode n, Entry e) {
    if (e.getIndex() <= n.stateMachine.applied) {
      return;
    }
    checker.onApplied(n.id, e);
    if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
      n.confState = n.raft.applyConfChange(RawNode.confChangeOf(e));
      n.disk.setConfState(n.confState);
      confChanges++;
    }
    long value = n.stateMachine.apply(e);
    if (value > 0) {
      Pending p = pendingProposals.get(value);
      if (p != null && p.node() == n.id && p.incarnation() == n.incarnation) {
        pendingProposals.remove(value);
        ackedIndex.put(value, e.getIndex());
        maxAckedIndex = Math.max(maxAckedIndex, e.getIndex());
        note(value * 31 + e.getIndex());
      }
    }
  }

  private void checkRead(SimNode n, ReadState rs) {
    long id = rs.requestContext().asReadOnlyByteBuffer().getLong();
    PendingRead p = pendingReads.remove(id);
    if (p == null || p.node() != n.id || p.incarnation() != n.incarnation) {
      return;
    }
    if (rs.index() < p.minIndex()) {
      throw new SafetyViolation("linearizable read: read " + id + " on node " + n.id
          + " got read index " + rs.index() + " but index " + p.minIndex()
          + " was acknowledged before the read began");
    }
  }

  /**
   * A snapshot of the sender's current applied state, as etcd's server sends: the stored one may
   * predate the conf change that added the receiver, who would then refuse it forever.
   */
  private Snapshot freshSnapshot(SimNode n) {
    long applied = n.stateMachine.applied;
    if (applied > n.disk.snapshot().getMetadata().getIndex()) {
      n.disk.log.createSnapshot(applied, n.confState, n.stateMachine.snapshotData());
    }
    return n.disk.snapshot();
  }

  private void maybeSnapshot(SimNode n) {
    long applied = n.stateMachine.applied;
    long snapIndex = n.disk.snapshot().getMetadata().getIndex();
    if (applied - snapIndex < 24) {
      return;
    }
    n.disk.log.createSnapshot(applied, n.confState, n.stateMachine.snapshotData());
    n.disk.log.compact(applied - 4);
  }

  // ---- convergence -------------------------------------------------------------------------------

  /** Heals everything, restarts every node and runs fault-free until the members agree. */
  private void settle() {
    faults = false;
    network.heal();
    network.dropRate = 0;
    network.duplicateRate = 0;
    for (SimNode n : nodes.values()) {
      if (!n.up()) {
        n.start(random, ELECTION_TICK, null);
      }
    }
    for (int round = 0; round < 2000; round++) {
      processAllReadies();
      for (Message m : network.takeAll()) {
        deliver(m);
      }
      processAllReadies();
      if (round % 3 == 0) {
        for (SimNode n : nodes.values()) {
          n.raft.tick();
        }
      }
      if (converged()) {
        return;
      }
    }
    throw new SafetyViolation("no convergence after healing: " + describe());
  }

  private boolean converged() {
    SimNode leader = leader();
    if (leader == null || !network.isEmpty()) {
      return false;
    }
    long commit = leader.raft.status().hardState().getCommit();
    if (leader.raft.status().lastIndex() != commit) {
      return false;
    }
    for (long id : members(leader)) {
      SimNode n = nodes.get(id);
      if (n.stateMachine.applied != commit) {
        return false;
      }
    }
    return true;
  }

  private List<Long> members(SimNode leader) {
    List<Long> ids = new ArrayList<>(leader.confState.getVotersList());
    ids.addAll(leader.confState.getLearnersList());
    return ids;
  }

  private void checkNoAcknowledgedProposalLost() {
    SimNode leader = leader();
    long hash = leader.stateMachine.hash;
    for (long id : members(leader)) {
      SimNode n = nodes.get(id);
      if (n.stateMachine.hash != hash) {
        throw new SafetyViolation("state machines differ at index " + n.stateMachine.applied
            + ": node " + id + " vs leader " + leader.id);
      }
      for (long value : ackedIndex.keySet()) {
        if (!n.stateMachine.values.contains(value)) {
          throw new SafetyViolation("acknowledged proposal " + value + " (index "
              + ackedIndex.get(value) + ") is missing on node " + id);
        }
      }
    }
    note(hash);
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (SimNode n : nodes.values()) {
      sb.append("\n  node ").append(n.id).append(n.up() ? " up " : " down ");
      if (n.up()) {
        var st = n.raft.status();
        sb.append(st.softState()).append(" term=").append(st.hardState().getTerm())
            .append(" commit=").append(st.hardState().getCommit())
            .append(" last=").append(st.lastIndex())
            .append(" voters=").append(st.confState().getVotersList())
            .append(" learners=").append(st.confState().getLearnersList())
            .append(" progress=").append(st.progress());
      }
      sb.append(" applied=").append(n.stateMachine.applied);
    }
    return sb.toString();
  }

  private void note(long event) {
    fingerprint = fingerprint * 1000003 + event;
  }
}
