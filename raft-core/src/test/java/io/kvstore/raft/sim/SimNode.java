package io.kvstore.raft.sim;

import io.kvstore.raft.core.Config;
import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.pb.ConfState;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated member: its disk and state machine survive crashes, its {@link RawNode} does not.
 *
 * <p>Thread-safety: not thread-safe; the simulation is single-threaded.
 *
 * <p>Invariants: {@code raft == null} iff the node is down; {@code incarnation} grows by one at
 * every start, so requests made before a crash are recognisable; {@code confState} is the
 * configuration after the last entry the state machine applied.
 */
final class SimNode {
  final long id;
  final SimStorage disk = new SimStorage();
  final SimStateMachine stateMachine = new SimStateMachine();
  RawNode raft;
  int incarnation;
  ConfState confState = ConfState.getDefaultInstance();
  /** The commit index last persisted, for the checker's incremental commit tracking. */
  long persistedCommit;
  boolean leader;

  SimNode(long id) {
    this.id = id;
  }

  boolean up() {
    return raft != null;
  }

  /** Starts (or restarts) from what is on disk; {@code bootstrap} voters only on first start. */
  void start(SplittableRandom seedSource, int electionTick, List<Long> bootstrap) {
    disk.crashAndRecover(stateMachine.applied);
    Config cfg = Config.defaults(id, seedSource.split())
        .withTicks(electionTick, 1)
        .withLimits(4 * 1024, 8)
        .withApplied(stateMachine.applied);
    raft = new RawNode(cfg, disk);
    if (bootstrap != null) {
      raft.bootstrap(bootstrap.stream().map(RawNode::addVoter).toList());
    }
    confState = disk.initialState().confState();
    persistedCommit = disk.log.hardState().getCommit();
    leader = false;
    incarnation++;
  }

  void crash() {
    raft = null;
    leader = false;
  }
}
