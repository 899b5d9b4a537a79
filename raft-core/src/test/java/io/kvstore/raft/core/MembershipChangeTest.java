package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.ELECTION_TICK;
import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.core.Fixtures.confChange;
import static io.kvstore.raft.core.Fixtures.paperConfig;
import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE;
import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_ADD_NODE;
import static io.kvstore.raft.pb.ConfChangeType.CONF_CHANGE_REMOVE_NODE;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Single-server membership changes, §4.1 of Ongaro's thesis: "Raft restricts the types of change
 * that are allowed: only one server can be added or removed from the cluster at a time."
 */
class MembershipChangeTest {

  /**
   * §4.1: "When the leader receives a request to add or remove a server from its current
   * configuration (C_old), it appends the new configuration (C_new) as an entry in its log and
   * replicates that entry using the normal Raft mechanism." The added member catches up and
   * counts toward majorities.
   */
  @Test
  void addedMemberCatchesUpAndCountsTowardCommitment() {
    Network net = Network.paper(2);
    net.campaign(1);
    TestNode joiner = new TestNode(paperConfig(3), MemoryStorage.withVoters(1, 2));
    net.add(joiner);

    net.node(1).raw.proposeConfChange(confChange(CONF_CHANGE_ADD_NODE, 3));
    net.stabilize();
    net.tick(1, 1);

    assertThat(joiner.log()).isEqualTo(net.node(1).log());
    for (long id : Fixtures.ids(3)) {
      assertThat(net.node(id).raw.status().confState()).isEqualTo(voters(1, 2, 3));
    }
    net.cut(1, 2);
    net.propose(1, "acked by 1 and 3");
    assertThat(net.node(1).appliedData()).containsExactly(bytes("acked by 1 and 3"));
  }

  /** §4.1: removing a server shrinks the majority needed to commit. */
  @Test
  void removedMemberNoLongerCountsTowardCommitment() {
    Network net = Network.paper(3);
    net.campaign(1);

    net.node(1).raw.proposeConfChange(confChange(CONF_CHANGE_REMOVE_NODE, 3));
    net.stabilize();
    net.isolate(3);
    net.propose(1, "without 3");

    assertThat(net.node(1).raw.status().confState()).isEqualTo(voters(1, 2));
    assertThat(net.node(2).raw.status().confState()).isEqualTo(voters(1, 2));
    assertThat(net.node(2).appliedData()).containsExactly(bytes("without 3"));
  }

  /**
   * §4.1: only one change at a time. A change proposed while the previous one is not yet applied
   * is replaced by an empty normal entry; once it is applied, the next change is accepted.
   */
  @Test
  void secondPendingConfChangeBecomesNoOpEntry() {
    Network net = Network.paper(3);
    net.campaign(1);
    net.isolate(1);

    net.node(1).raw.proposeConfChange(confChange(CONF_CHANGE_ADD_LEARNER_NODE, 4));
    net.node(1).raw.proposeConfChange(confChange(CONF_CHANGE_ADD_LEARNER_NODE, 5));
    net.stabilize();

    List<Entry> log = net.node(1).log();
    assertThat(log.get(log.size() - 2).getType()).isEqualTo(EntryType.ENTRY_CONF_CHANGE);
    assertThat(log.get(log.size() - 1)).isEqualTo(Entry.newBuilder()
        .setIndex(log.size()).setTerm(1).setType(EntryType.ENTRY_NORMAL).build());

    net.heal();
    net.tick(1, 1);
    net.node(1).raw.proposeConfChange(confChange(CONF_CHANGE_ADD_LEARNER_NODE, 5));
    net.stabilize();

    assertThat(net.node(1).raw.status().confState().getLearnersList()).containsExactly(4L, 5L);
  }

  /**
   * §4.2.2: "a leader that is removed from the configuration steps down once the C_new entry is
   * committed." The remaining members elect a new leader among themselves.
   */
  @Test
  void removedLeaderStepsDownAndTheRestElectANewLeader() {
    Network net = Network.paper(3);
    net.campaign(1);

    net.node(1).raw.proposeConfChange(confChange(CONF_CHANGE_REMOVE_NODE, 1));
    net.stabilize();

    assertThat(net.node(1).state()).isEqualTo(StateType.FOLLOWER);
    assertThat(net.node(2).raw.status().confState()).isEqualTo(voters(2, 3));
    net.tickAll(3 * ELECTION_TICK);
    assertThat(net.leader().id).isIn(2L, 3L);
  }

  private static ConfState voters(long... ids) {
    ConfState.Builder cs = ConfState.newBuilder();
    for (long id : ids) {
      cs.addVoters(id);
    }
    return cs.build();
  }
}
