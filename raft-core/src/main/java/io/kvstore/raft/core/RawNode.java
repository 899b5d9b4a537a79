package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Raft core's public face, as etcd-io/raft's {@code RawNode}: feed it ticks, messages and
 * proposals; take a {@link Ready}, carry it out, and {@link #advance} it.
 *
 * <p>Thread-safety: not thread-safe. It has no threads, clock, disk or sockets of its own; one
 * driver thread calls every method. Given the same config (including the seeded random source),
 * storage contents and inputs, it produces the same outputs.
 *
 * <p>Invariant: {@code prevSoftState} and {@code prevHardState} are what the last accepted Ready
 * reported, so a Ready carries them only when they changed.
 */
public final class RawNode {
  private final Raft raft;
  private SoftState prevSoftState;
  private HardState prevHardState;

  public RawNode(Config config, Storage storage) {
    this.raft = new Raft(config, storage);
    this.prevSoftState = raft.softState();
    this.prevHardState = raft.hardState();
  }

  public long id() {
    return raft.id;
  }

  /** The index of the last entry in the log, persisted or not (cheap; no {@link Status}). */
  public long lastIndex() {
    return raft.raftLog.lastIndex();
  }

  /** The current term. */
  public long term() {
    return raft.term;
  }

  /** The highest index known to be committed. */
  public long commitIndex() {
    return raft.raftLog.committed;
  }

  /** The leader this member knows of, or 0. */
  public long leaderId() {
    return raft.lead;
  }

  public boolean isLeader() {
    return raft.state == StateType.LEADER;
  }

  /**
   * Starts a brand-new cluster on an empty log, as etcd does: one conf-change entry per initial
   * voter at indexes {@code 1..n}, term 1, already committed, so that a member joining later and
   * replaying the log from index 1 learns the initial configuration. Every initial member must
   * bootstrap with the same changes in the same order. The first Ready carries the entries to
   * persist and apply (applying them again is harmless).
   *
   * @param addVoters {@code CONF_CHANGE_ADD_NODE} changes, one per initial voter
   */
  public void bootstrap(List<ConfChange> addVoters) {
    if (raft.raftLog.lastIndex() != 0) {
      throw new IllegalStateException("can only bootstrap an empty log");
    }
    if (addVoters.isEmpty()) {
      throw new IllegalArgumentException("must bootstrap with at least one voter");
    }
    raft.becomeFollower(1, 0);
    List<Entry> ents = new ArrayList<>();
    for (int i = 0; i < addVoters.size(); i++) {
      ConfChange cc = addVoters.get(i);
      if (cc.getType() != ConfChangeType.CONF_CHANGE_ADD_NODE) {
        throw new IllegalArgumentException("bootstrap takes only CONF_CHANGE_ADD_NODE, got " + cc);
      }
      ents.add(Entry.newBuilder().setTerm(1).setIndex(i + 1L)
          .setType(EntryType.ENTRY_CONF_CHANGE).setData(cc.toByteString()).build());
    }
    raft.raftLog.append(ents);
    raft.raftLog.committed = ents.size();
    for (ConfChange cc : addVoters) {
      raft.applyConfChange(cc);
    }
  }

  /** The change that adds {@code id} as a voter, for {@link #bootstrap} (no context). */
  public static ConfChange addVoter(long id) {
    return ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(id)
        .build();
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  public void tick() {
    raft.tick();
  }

  /** Starts an election now (a pre-vote first if enabled). */
  public void campaign() {
    raft.step(Message.newBuilder().setType(MessageType.MSG_HUP).build());
  }

  /**
   * Proposes {@code data} for the log. On a follower it is forwarded to the leader unless
   * forwarding is disabled.
   *
   * @throws ProposalDroppedException if this member cannot take it (no leader, forwarding
   *     disabled, transfer in progress, flow control); the exception carries the leader's id
   */
  public void propose(ByteString data) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id)
        .addEntries(Entry.newBuilder().setData(data)).build());
  }

  /** Proposes several entries in one message (one log append, one broadcast). */
  public void proposeBatch(List<ByteString> data) {
    Message.Builder m = Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id);
    for (ByteString d : data) {
      m.addEntries(Entry.newBuilder().setData(d));
    }
    raft.step(m.build());
  }

  /** Proposes a membership change; see {@link #propose} for failures. */
  public void proposeConfChange(ConfChange cc) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id)
        .addEntries(Entry.newBuilder().setType(EntryType.ENTRY_CONF_CHANGE)
            .setData(cc.toByteString())).build());
  }

  /** Applies a committed conf change entry's change; returns the new configuration. */
  public ConfState applyConfChange(ConfChange cc) {
    return raft.applyConfChange(cc);
  }

  /** Decodes the conf change carried by a committed {@code ENTRY_CONF_CHANGE} entry. */
  public static ConfChange confChangeOf(Entry e) {
    return Raft.decodeConfChange(e);
  }

  /**
   * Processes a message from a peer. Local-only message types and responses from non-members are
   * ignored, as are forwarded proposals this member cannot take (their sender retries).
   */
  public void step(Message m) {
    if (isLocal(m.getType())) {
      return;
    }
    if (isResponse(m.getType()) && raft.prs.get(m.getFrom()) == null) {
      return;
    }
    try {
      raft.step(m);
    } catch (ProposalDroppedException dropped) {
      // A forwarded proposal or read arrived where it cannot be served; the origin times out.
    }
  }

  /**
   * Requests a linearizable read point: a {@link ReadState} with {@code ctx} appears in a later
   * Ready once the leader has confirmed it still leads.
   *
   * @throws ProposalDroppedException if no leader is known here
   */
  public void readIndex(ByteString ctx) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_READ_INDEX)
        .addEntries(Entry.newBuilder().setData(ctx)).build());
  }

  /** Asks the leader to hand leadership to {@code transferee}. */
  public void transferLeader(long transferee) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_TRANSFER_LEADER).setFrom(transferee)
        .build());
  }

  /** Tells the leader that a message to {@code id} was probably lost. */
  public void reportUnreachable(long id) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_UNREACHABLE).setFrom(id).build());
  }

  /** Tells the leader whether the snapshot sent to {@code id} was delivered. */
  public void reportSnapshot(long id, boolean failed) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_SNAP_STATUS).setFrom(id)
        .setReject(failed).build());
  }

  public boolean hasReady() {
    return softStateChanged() || hardStateChanged()
        || raft.raftLog.hasPendingSnapshot()
        || !raft.msgs.isEmpty()
        || !raft.raftLog.unstable.entries.isEmpty()
        || raft.raftLog.hasNextEntries()
        || !raft.readStates.isEmpty();
  }

  private boolean softStateChanged() {
    return raft.lead != prevSoftState.lead() || raft.state != prevSoftState.state();
  }

  private boolean hardStateChanged() {
    return raft.term != prevHardState.getTerm() || raft.vote != prevHardState.getVote()
        || raft.raftLog.committed != prevHardState.getCommit();
  }

  /** What to persist, send and apply next. Call {@link #advance} when done. */
  public Ready ready() {
    SoftState ss = softStateChanged() ? raft.softState() : null;
    HardState hs = hardStateChanged() ? raft.hardState() : null;
    List<Entry> entries = raft.raftLog.unstableEntries();
    Ready rd = new Ready(
        ss,
        hs,
        raft.readStates.isEmpty() ? List.of() : List.copyOf(raft.readStates),
        entries,
        raft.raftLog.hasPendingSnapshot() ? raft.raftLog.unstable.snapshot : null,
        raft.raftLog.nextEntries(),
        raft.msgs.isEmpty() ? List.of() : raft.msgs,
        !entries.isEmpty() || raft.vote != prevHardState.getVote()
            || raft.term != prevHardState.getTerm());
    if (ss != null) {
      prevSoftState = ss;
    }
    raft.readStates = new ArrayList<>();
    raft.msgs = new ArrayList<>();
    return rd;
  }

  /** Records that {@code rd} was carried out: its entries are stable and applied. */
  public void advance(Ready rd) {
    if (rd.hardState() != null) {
      prevHardState = rd.hardState();
    }
    long applied = 0;
    if (!rd.committedEntries().isEmpty()) {
      applied = rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex();
    } else if (rd.snapshot() != null) {
      applied = rd.snapshot().getMetadata().getIndex();
    }
    if (applied > 0) {
      raft.raftLog.appliedTo(applied);
    }
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      raft.raftLog.stableTo(last.getIndex(), last.getTerm());
    }
    if (rd.snapshot() != null) {
      raft.raftLog.stableSnapTo(rd.snapshot().getMetadata().getIndex());
    }
    if (raft.state == StateType.LEADER) {
      raft.reduceUncommittedSize(rd.committedEntries());
    }
  }

  public Status status() {
    Map<Long, Long> progress = new TreeMap<>();
    if (raft.state == StateType.LEADER) {
      raft.prs.progress().forEach((id, pr) -> progress.put(id, pr.match()));
    }
    return new Status(raft.id, raft.hardState(), raft.softState(), raft.raftLog.applied,
        raft.raftLog.lastIndex(), raft.prs.confState(), raft.leadTransferee, progress);
  }

  private static boolean isLocal(MessageType t) {
    return t == MessageType.MSG_HUP || t == MessageType.MSG_BEAT
        || t == MessageType.MSG_UNREACHABLE || t == MessageType.MSG_SNAP_STATUS
        || t == MessageType.MSG_CHECK_QUORUM;
  }

  private static boolean isResponse(MessageType t) {
    return t == MessageType.MSG_APP_RESP || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_HEARTBEAT_RESP || t == MessageType.MSG_UNREACHABLE
        || t == MessageType.MSG_PRE_VOTE_RESP;
  }
}
