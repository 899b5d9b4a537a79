package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.confchange.ConfChanges;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.kvstore.raft.pb.Snapshot;
import io.kvstore.raft.quorum.VoteResult;
import io.kvstore.raft.tracker.Progress;
import io.kvstore.raft.tracker.ProgressState;
import io.kvstore.raft.tracker.ProgressTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The Raft consensus state machine of one member, after etcd-io/raft's {@code raft.go}: leader
 * election with pre-vote and check-quorum, log replication with pipelining and batching, fast
 * backtracking, ReadIndex, leadership transfer, learners, single-server membership changes and
 * snapshots. It has no threads, clock, disk or sockets: time is {@link #tick()}, input is {@link
 * #step(Message)}, output accumulates in {@link #msgs}, the log's unstable part and {@link
 * #readStates} for {@link RawNode} to hand out.
 *
 * <p>Thread-safety: not thread-safe; one thread drives it.
 *
 * <p>Invariants: {@code vote} is 0 or a member this node voted for in {@code term}; a leader's
 * {@code lead == id}; {@code leadTransferee != 0} only while leader; {@code pendingConfIndex} is
 * the index of the latest conf change a leader proposed (at most one is unapplied at a time).
 */
final class Raft {
  /** Marks a vote request that a leadership transfer forces past check-quorum leases. */
  static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

  private enum CampaignType {
    PRE_ELECTION,
    ELECTION,
    TRANSFER
  }

  final long id;
  long term;
  long vote;
  final RaftLog raftLog;
  final ProgressTracker prs;
  StateType state = StateType.FOLLOWER;
  boolean isLearner;
  long lead;
  long leadTransferee;
  long pendingConfIndex;
  /** Bytes of entries proposed by this leader and not yet committed, for flow control. */
  long uncommittedSize;

  List<Message> msgs = new ArrayList<>();
  List<ReadState> readStates = new ArrayList<>();
  private ReadOnly readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private final List<Message> pendingReadIndexMessages = new ArrayList<>();

  private final long maxMsgSize;
  private final long maxUncommittedSize;
  private final boolean checkQuorum;
  private final boolean preVote;
  private final boolean disableProposalForwarding;
  private final int heartbeatTimeout;
  private final int electionTimeout;
  private final RandomGenerator random;
  /** Ticks since the last election timeout reset (followers, candidates) or check (leaders). */
  int electionElapsed;
  private int heartbeatElapsed;
  /** In {@code [electionTimeout, 2 * electionTimeout)}, drawn anew at every reset. */
  private int randomizedElectionTimeout;

  Raft(Config c, Storage storage) {
    c.validate();
    this.id = c.id();
    this.raftLog = new RaftLog(storage, c.maxSizePerMsg());
    this.maxMsgSize = c.maxSizePerMsg();
    this.maxUncommittedSize = c.maxUncommittedEntriesSize();
    this.checkQuorum = c.checkQuorum();
    this.preVote = c.preVote();
    this.disableProposalForwarding = c.disableProposalForwarding();
    this.heartbeatTimeout = c.heartbeatTick();
    this.electionTimeout = c.electionTick();
    this.random = c.random();
    this.prs = new ProgressTracker(c.maxInflightMsgs());

    InitialState is = storage.initialState();
    ConfChanges.restore(prs, is.confState(), raftLog.lastIndex() + 1);
    Progress self = prs.get(id);
    isLearner = self != null && self.learner();
    HardState hs = is.hardState();
    if (!hs.equals(HardState.getDefaultInstance())) {
      loadState(hs);
    }
    if (c.applied() > 0) {
      raftLog.appliedTo(c.applied());
    }
    becomeFollower(term, 0);
  }

  // ---- state accessors ----------------------------------------------------------------------

  SoftState softState() {
    return new SoftState(lead, state);
  }

  HardState hardState() {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(raftLog.committed).build();
  }

  private void loadState(HardState hs) {
    if (hs.getCommit() < raftLog.committed || hs.getCommit() > raftLog.lastIndex()) {
      throw new IllegalStateException(Long.toHexString(id) + " state.commit " + hs.getCommit()
          + " is out of range [" + raftLog.committed + ", " + raftLog.lastIndex() + "]");
    }
    raftLog.committed = hs.getCommit();
    term = hs.getTerm();
    vote = hs.getVote();
  }

  /** Whether this member may become leader: a voter with no snapshot waiting to be persisted. */
  boolean promotable() {
    Progress pr = prs.get(id);
    return pr != null && !pr.learner() && !raftLog.hasPendingSnapshot();
  }

  // ---- sending ------------------------------------------------------------------------------

  private void send(Message.Builder m) {
    if (m.getFrom() == 0) {
      m.setFrom(id);
    }
    MessageType t = m.getType();
    if (t == MessageType.MSG_VOTE || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_PRE_VOTE || t == MessageType.MSG_PRE_VOTE_RESP) {
      if (m.getTerm() == 0) {
        throw new IllegalStateException("term should be set when sending " + t);
      }
    } else {
      if (m.getTerm() != 0) {
        throw new IllegalStateException("term should not be set when sending " + t);
      }
      if (t != MessageType.MSG_PROP && t != MessageType.MSG_READ_INDEX) {
        m.setTerm(term);
      }
    }
    msgs.add(m.build());
  }

  private static Message.Builder msg(MessageType type, long to) {
    return Message.newBuilder().setType(type).setTo(to);
  }

  void sendAppend(long to) {
    maybeSendAppend(to, true);
  }

  /**
   * Sends an append (or a snapshot, if the entries it needs are compacted) to {@code to}, unless
   * its progress is paused or, with {@code sendIfEmpty} false, there is nothing new to send.
   * Returns whether a message was sent.
   */
  boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    Progress pr = prs.get(to);
    if (pr.isPaused()) {
      return false;
    }
    long prevIndex = pr.next() - 1;
    long prevTerm;
    List<Entry> ents;
    try {
      prevTerm = raftLog.term(prevIndex);
      // With a full window, send an empty append: its answer (ack or rejection) clears the
      // window even if every append in flight was lost.
      ents = pr.state() == ProgressState.REPLICATE && pr.inflights().full()
          ? List.of() : raftLog.entries(pr.next(), maxMsgSize);
    } catch (StorageException e) {
      if (e.kind() != StorageException.Kind.COMPACTED) {
        throw e;
      }
      return maybeSendSnapshot(to, pr);
    }
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    send(msg(MessageType.MSG_APP, to).setIndex(prevIndex).setLogTerm(prevTerm)
        .addAllEntries(ents).setCommit(raftLog.committed));
    long lastSent = ents.isEmpty() ? prevIndex : ents.get(ents.size() - 1).getIndex();
    pr.sentEntries(ents.size(), lastSent);
    return true;
  }

  private boolean maybeSendSnapshot(long to, Progress pr) {
    if (!pr.recentActive()) {
      return false;
    }
    Snapshot snapshot;
    try {
      snapshot = raftLog.snapshot();
    } catch (StorageException e) {
      if (e.kind() == StorageException.Kind.SNAPSHOT_TEMPORARILY_UNAVAILABLE) {
        return false;
      }
      throw e;
    }
    if (snapshot.getMetadata().getIndex() == 0) {
      throw new IllegalStateException("need non-empty snapshot");
    }
    send(msg(MessageType.MSG_SNAP, to).setSnapshot(snapshot));
    pr.becomeSnapshot(snapshot.getMetadata().getIndex());
    return true;
  }

  private void sendHeartbeat(long to, ByteString ctx) {
    long commit = Math.min(prs.get(to).match(), raftLog.committed);
    send(msg(MessageType.MSG_HEARTBEAT, to).setCommit(commit).setContext(ctx));
  }

  void bcastAppend() {
    for (long to : prs.progress().keySet()) {
      if (to != id) {
        sendAppend(to);
      }
    }
  }

  private void bcastHeartbeat() {
    bcastHeartbeatWithCtx(readOnly.lastPendingRequestContext());
  }

  private void bcastHeartbeatWithCtx(ByteString ctx) {
    for (long to : prs.progress().keySet()) {
      if (to != id) {
        sendHeartbeat(to, ctx);
      }
    }
  }

  // ---- commitment and terms -------------------------------------------------------------------

  /** Advances the commit index to what a quorum has (only for entries of this term, §5.4.2). */
  boolean maybeCommit() {
    return raftLog.maybeCommit(prs.committed(), term);
  }

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      vote = 0;
    }
    lead = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    resetRandomizedElectionTimeout();
    abortLeaderTransfer();
    prs.resetVotes();
    long last = raftLog.lastIndex();
    for (Map.Entry<Long, Progress> e : prs.progress().entrySet()) {
      e.getValue().reset(e.getKey() == id ? last : 0, last + 1);
    }
    pendingConfIndex = 0;
    uncommittedSize = 0;
    readOnly = new ReadOnly();
    pendingReadIndexMessages.clear();
  }

  /** Appends entries proposed on this leader; returns false if flow control refused them. */
  private boolean appendEntry(List<Entry> es) {
    long li = raftLog.lastIndex();
    List<Entry> stamped = new ArrayList<>(es.size());
    for (int i = 0; i < es.size(); i++) {
      stamped.add(es.get(i).toBuilder().setTerm(term).setIndex(li + 1 + i).build());
    }
    if (!increaseUncommittedSize(stamped)) {
      return false;
    }
    li = raftLog.append(stamped);
    prs.get(id).maybeUpdate(li);
    maybeCommit();
    return true;
  }

  private boolean increaseUncommittedSize(List<Entry> ents) {
    long s = 0;
    for (Entry e : ents) {
      s += e.getData().size();
    }
    if (maxUncommittedSize > 0 && uncommittedSize > 0 && s > 0
        && uncommittedSize + s > maxUncommittedSize) {
      return false;
    }
    uncommittedSize += s;
    return true;
  }

  void reduceUncommittedSize(List<Entry> ents) {
    if (uncommittedSize == 0) {
      return;
    }
    long s = 0;
    for (Entry e : ents) {
      s += e.getData().size();
    }
    uncommittedSize = Math.max(0, uncommittedSize - s);
  }

  // ---- time -----------------------------------------------------------------------------------

  void tick() {
    if (state == StateType.LEADER) {
      tickHeartbeat();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && pastElectionTimeout()) {
      electionElapsed = 0;
      step(Message.newBuilder().setFrom(id).setType(MessageType.MSG_HUP).build());
    }
  }

  private void tickHeartbeat() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= electionTimeout) {
      electionElapsed = 0;
      if (checkQuorum) {
        step(Message.newBuilder().setFrom(id).setType(MessageType.MSG_CHECK_QUORUM).build());
      }
      if (state == StateType.LEADER && leadTransferee != 0) {
        abortLeaderTransfer();
      }
    }
    if (state != StateType.LEADER) {
      return;
    }
    if (heartbeatElapsed >= heartbeatTimeout) {
      heartbeatElapsed = 0;
      step(Message.newBuilder().setFrom(id).setType(MessageType.MSG_BEAT).build());
    }
  }

  boolean pastElectionTimeout() {
    return electionElapsed >= randomizedElectionTimeout;
  }

  private void resetRandomizedElectionTimeout() {
    randomizedElectionTimeout = electionTimeout + random.nextInt(electionTimeout);
  }

  // ---- role changes ---------------------------------------------------------------------------

  void becomeFollower(long newTerm, long newLead) {
    reset(newTerm);
    lead = newLead;
    state = StateType.FOLLOWER;
  }

  private void becomeCandidate() {
    if (state == StateType.LEADER) {
      throw new IllegalStateException("invalid transition [leader -> candidate]");
    }
    reset(term + 1);
    vote = id;
    state = StateType.CANDIDATE;
  }

  private void becomePreCandidate() {
    if (state == StateType.LEADER) {
      throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
    }
    // Pre-vote changes neither the term nor the vote: a pre-candidate that loses leaves no trace.
    prs.resetVotes();
    lead = 0;
    state = StateType.PRE_CANDIDATE;
  }

  void becomeLeader() {
    if (state == StateType.FOLLOWER) {
      throw new IllegalStateException("invalid transition [follower -> leader]");
    }
    reset(term);
    lead = id;
    state = StateType.LEADER;
    Progress self = prs.get(id);
    self.becomeReplicate();
    self.setRecentActive(true);
    // Conservatively treat every unapplied entry as a possible conf change.
    pendingConfIndex = raftLog.lastIndex();
    // An empty entry of the new term lets earlier entries commit (§5.4.2, §8).
    if (!appendEntry(List.of(Entry.getDefaultInstance()))) {
      throw new IllegalStateException("empty entry was dropped");
    }
    // The empty entry does not count against the uncommitted-size budget.
    uncommittedSize = 0;
  }

  private void hup(CampaignType t) {
    if (state == StateType.LEADER || !promotable()) {
      return;
    }
    if (raftLog.committed > raftLog.applied && hasUnappliedConfChange()) {
      return;
    }
    campaign(t);
  }

  private boolean hasUnappliedConfChange() {
    for (Entry e : raftLog.slice(raftLog.applied + 1, raftLog.committed + 1, Long.MAX_VALUE)) {
      if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
        return true;
      }
    }
    return false;
  }

  private void campaign(CampaignType t) {
    if (!promotable()) {
      return;
    }
    MessageType voteMsg;
    long voteTerm;
    if (t == CampaignType.PRE_ELECTION) {
      becomePreCandidate();
      voteMsg = MessageType.MSG_PRE_VOTE;
      voteTerm = term + 1;
    } else {
      becomeCandidate();
      voteMsg = MessageType.MSG_VOTE;
      voteTerm = term;
    }
    if (poll(id, true) == VoteResult.WON) {
      if (t == CampaignType.PRE_ELECTION) {
        campaign(CampaignType.ELECTION);
      } else {
        becomeLeader();
      }
      return;
    }
    for (long to : prs.voters().ids()) {
      if (to == id) {
        continue;
      }
      Message.Builder m = msg(voteMsg, to).setTerm(voteTerm).setIndex(raftLog.lastIndex())
          .setLogTerm(raftLog.lastTerm());
      if (t == CampaignType.TRANSFER) {
        m.setContext(CAMPAIGN_TRANSFER);
      }
      send(m);
    }
  }

  private VoteResult poll(long from, boolean granted) {
    prs.recordVote(from, granted);
    return prs.tallyVotes();
  }

  // ---- the step function ----------------------------------------------------------------------

  /**
   * Processes one message.
   *
   * @throws ProposalDroppedException if a proposal or read cannot be taken here
   */
  void step(Message m) {
    if (m.getTerm() == 0) {
      // A local message.
    } else if (m.getTerm() > term) {
      MessageType t = m.getType();
      if (t == MessageType.MSG_VOTE || t == MessageType.MSG_PRE_VOTE) {
        boolean force = m.getContext().equals(CAMPAIGN_TRANSFER);
        boolean inLease = checkQuorum && lead != 0 && electionElapsed < electionTimeout;
        if (!force && inLease) {
          // §6 (disruptive servers): a member that hears from a live leader ignores requests
          // to vote, so a partitioned member rejoining cannot depose it.
          return;
        }
      }
      if (t == MessageType.MSG_PRE_VOTE) {
        // Never change term in response to a pre-vote.
      } else if (t == MessageType.MSG_PRE_VOTE_RESP && !m.getReject()) {
        // The term in a granted pre-vote response is the one we will campaign in.
      } else if (t == MessageType.MSG_APP || t == MessageType.MSG_HEARTBEAT
          || t == MessageType.MSG_SNAP) {
        becomeFollower(m.getTerm(), m.getFrom());
      } else {
        becomeFollower(m.getTerm(), 0);
      }
    } else if (m.getTerm() < term) {
      if ((checkQuorum || preVote)
          && (m.getType() == MessageType.MSG_HEARTBEAT || m.getType() == MessageType.MSG_APP)) {
        // A stale leader (e.g. isolated, then rejoined) learns our term and steps down; without
        // this, pre-vote and check-quorum could leave it unable to ever rejoin.
        send(msg(MessageType.MSG_APP_RESP, m.getFrom()));
      } else if (m.getType() == MessageType.MSG_PRE_VOTE) {
        send(msg(MessageType.MSG_PRE_VOTE_RESP, m.getFrom()).setTerm(term).setReject(true));
      }
      return;
    }

    switch (m.getType()) {
      case MSG_HUP -> hup(preVote ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
      case MSG_VOTE, MSG_PRE_VOTE -> handleVoteRequest(m);
      default -> {
        switch (state) {
          case LEADER -> stepLeader(m);
          case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
          case FOLLOWER -> stepFollower(m);
        }
      }
    }
  }

  private void handleVoteRequest(Message m) {
    boolean isPre = m.getType() == MessageType.MSG_PRE_VOTE;
    MessageType respType = isPre ? MessageType.MSG_PRE_VOTE_RESP : MessageType.MSG_VOTE_RESP;
    // §5.2: at most one vote per term, first come first served; a pre-vote for a future term
    // promises nothing.
    boolean canVote = vote == m.getFrom() || (vote == 0 && lead == 0)
        || (isPre && m.getTerm() > term);
    // §5.4.1: only for a candidate whose log is at least as up to date as ours.
    if (canVote && raftLog.isUpToDate(m.getIndex(), m.getLogTerm())) {
      send(msg(respType, m.getFrom()).setTerm(m.getTerm()));
      if (!isPre) {
        electionElapsed = 0;
        vote = m.getFrom();
      }
    } else {
      send(msg(respType, m.getFrom()).setTerm(term).setReject(true));
    }
  }

  private void stepLeader(Message m) {
    switch (m.getType()) {
      case MSG_BEAT -> {
        bcastHeartbeat();
        return;
      }
      case MSG_CHECK_QUORUM -> {
        if (!prs.quorumActive(id)) {
          becomeFollower(term, 0);
        }
        for (Map.Entry<Long, Progress> e : prs.progress().entrySet()) {
          if (e.getKey() != id) {
            e.getValue().setRecentActive(false);
          }
        }
        return;
      }
      case MSG_PROP -> {
        handleProposal(m);
        return;
      }
      case MSG_READ_INDEX -> {
        handleReadIndex(m);
        return;
      }
      default -> {
        // Messages from a member follow.
      }
    }
    Progress pr = prs.get(m.getFrom());
    if (pr == null) {
      return;
    }
    switch (m.getType()) {
      case MSG_APP_RESP -> handleAppendResponse(m, pr);
      case MSG_HEARTBEAT_RESP -> handleHeartbeatResponse(m, pr);
      case MSG_SNAP_STATUS -> {
        if (pr.state() != ProgressState.SNAPSHOT) {
          return;
        }
        if (m.getReject()) {
          pr.snapshotFailed();
        } else {
          pr.snapshotDelivered();
        }
      }
      case MSG_UNREACHABLE -> {
        if (pr.state() == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
      }
      case MSG_TRANSFER_LEADER -> handleTransferLeader(m, pr);
      default -> {
        // Ignored by a leader.
      }
    }
  }

  private void handleProposal(Message m) {
    if (m.getEntriesCount() == 0) {
      throw new IllegalArgumentException("stepped empty MsgProp");
    }
    if (prs.get(id) == null) {
      throw new ProposalDroppedException("this member was removed from the configuration", 0);
    }
    if (leadTransferee != 0) {
      throw new ProposalDroppedException(
          "leadership is being transferred to " + Long.toHexString(leadTransferee), id);
    }
    List<Entry> ents = new ArrayList<>(m.getEntriesList());
    long last = raftLog.lastIndex();
    for (int i = 0; i < ents.size(); i++) {
      if (ents.get(i).getType() == EntryType.ENTRY_CONF_CHANGE) {
        if (pendingConfIndex > raftLog.applied) {
          // One membership change at a time: a second one becomes a no-op entry.
          ents.set(i, Entry.getDefaultInstance());
        } else {
          pendingConfIndex = last + i + 1;
        }
      }
    }
    if (!appendEntry(ents)) {
      throw new ProposalDroppedException("too many uncommitted entries", id);
    }
    bcastAppend();
  }

  private void handleReadIndex(Message m) {
    if (prs.voters().size() == 1 && prs.isVoter(id)) {
      respondToReadIndex(m, raftLog.committed);
      return;
    }
    // §6.4: the leader must have committed an entry of its term to know the commit index.
    if (!committedEntryInCurrentTerm()) {
      pendingReadIndexMessages.add(m);
      return;
    }
    sendReadIndexConfirmation(m);
  }

  private void sendReadIndexConfirmation(Message m) {
    ByteString ctx = m.getEntries(0).getData();
    readOnly.addRequest(raftLog.committed, m);
    readOnly.recvAck(id, ctx);
    bcastHeartbeatWithCtx(ctx);
  }

  private void releasePendingReadIndexMessages() {
    if (pendingReadIndexMessages.isEmpty() || !committedEntryInCurrentTerm()) {
      return;
    }
    List<Message> waiting = new ArrayList<>(pendingReadIndexMessages);
    pendingReadIndexMessages.clear();
    for (Message m : waiting) {
      sendReadIndexConfirmation(m);
    }
  }

  private boolean committedEntryInCurrentTerm() {
    return raftLog.zeroTermOnOutOfRange(raftLog.committed) == term;
  }

  private void respondToReadIndex(Message req, long readIndex) {
    if (req.getFrom() == 0 || req.getFrom() == id) {
      readStates.add(new ReadState(readIndex, req.getEntries(0).getData()));
      return;
    }
    send(msg(MessageType.MSG_READ_INDEX_RESP, req.getFrom()).setIndex(readIndex)
        .addAllEntries(req.getEntriesList()));
  }

  private void handleAppendResponse(Message m, Progress pr) {
    pr.setRecentActive(true);
    if (m.getReject()) {
      long nextProbeIdx = m.getRejectHint();
      if (m.getLogTerm() > 0) {
        // Fast backtracking: skip every entry of terms the follower cannot have.
        nextProbeIdx = raftLog.findConflictByTerm(m.getRejectHint(), m.getLogTerm())[0];
      }
      if (pr.maybeDecrTo(m.getIndex(), nextProbeIdx)) {
        if (pr.state() == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        sendAppend(m.getFrom());
      }
      return;
    }
    boolean oldPaused = pr.isPaused();
    boolean updated = pr.maybeUpdate(m.getIndex());
    if (!updated && !(pr.match() == m.getIndex() && pr.state() == ProgressState.PROBE)) {
      return;
    }
    switch (pr.state()) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match() >= pr.pendingSnapshot()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights().freeLE(m.getIndex());
    }
    if (maybeCommit()) {
      releasePendingReadIndexMessages();
      bcastAppend();
    } else if (oldPaused) {
      sendAppend(m.getFrom());
    }
    while (maybeSendAppend(m.getFrom(), false)) {
      // Pipelining: fill the follower's inflight window.
    }
    if (m.getFrom() == leadTransferee && pr.match() == raftLog.lastIndex()) {
      sendTimeoutNow(m.getFrom());
    }
  }

  private void handleHeartbeatResponse(Message m, Progress pr) {
    pr.setRecentActive(true);
    pr.onHeartbeatResponse();
    if (pr.match() < raftLog.lastIndex() || pr.state() == ProgressState.PROBE) {
      sendAppend(m.getFrom());
    }
    if (m.getContext().isEmpty()) {
      return;
    }
    Map<Long, Boolean> acks = readOnly.recvAck(m.getFrom(), m.getContext());
    if (acks == null || prs.voters().voteResult(acks) != VoteResult.WON) {
      return;
    }
    for (ReadOnly.Status rs : readOnly.advance(m.getContext())) {
      respondToReadIndex(rs.request, rs.index);
    }
  }

  private void handleTransferLeader(Message m, Progress pr) {
    if (pr.learner()) {
      return;
    }
    long transferee = m.getFrom();
    if (leadTransferee != 0) {
      if (leadTransferee == transferee) {
        return;
      }
      abortLeaderTransfer();
    }
    if (transferee == id) {
      return;
    }
    // §3.10: stop accepting proposals, bring the transferee up to date, then tell it to campaign.
    electionElapsed = 0;
    leadTransferee = transferee;
    if (pr.match() == raftLog.lastIndex()) {
      sendTimeoutNow(transferee);
    } else {
      sendAppend(transferee);
    }
  }

  private void stepCandidate(Message m) {
    MessageType myVoteResp = state == StateType.PRE_CANDIDATE
        ? MessageType.MSG_PRE_VOTE_RESP : MessageType.MSG_VOTE_RESP;
    switch (m.getType()) {
      case MSG_PROP -> throw new ProposalDroppedException("no leader (election in progress)", 0);
      case MSG_READ_INDEX -> throw new ProposalDroppedException("no leader to confirm a read", 0);
      case MSG_APP -> {
        becomeFollower(m.getTerm(), m.getFrom());
        handleAppendEntries(m);
      }
      case MSG_HEARTBEAT -> {
        becomeFollower(m.getTerm(), m.getFrom());
        handleHeartbeat(m);
      }
      case MSG_SNAP -> {
        becomeFollower(m.getTerm(), m.getFrom());
        handleSnapshot(m);
      }
      default -> {
        if (m.getType() == myVoteResp) {
          switch (poll(m.getFrom(), !m.getReject())) {
            case WON -> {
              if (state == StateType.PRE_CANDIDATE) {
                campaign(CampaignType.ELECTION);
              } else {
                becomeLeader();
                bcastAppend();
              }
            }
            case LOST -> becomeFollower(term, 0);
            case PENDING -> {
              // Wait for more votes.
            }
          }
        }
      }
    }
  }

  private void stepFollower(Message m) {
    switch (m.getType()) {
      case MSG_PROP -> {
        if (lead == 0) {
          throw new ProposalDroppedException("no leader", 0);
        }
        if (disableProposalForwarding) {
          throw new ProposalDroppedException("not the leader", lead);
        }
        send(m.toBuilder().setTo(lead));
      }
      case MSG_APP -> {
        electionElapsed = 0;
        lead = m.getFrom();
        handleAppendEntries(m);
      }
      case MSG_HEARTBEAT -> {
        electionElapsed = 0;
        lead = m.getFrom();
        handleHeartbeat(m);
      }
      case MSG_SNAP -> {
        electionElapsed = 0;
        lead = m.getFrom();
        handleSnapshot(m);
      }
      case MSG_TRANSFER_LEADER -> {
        if (lead != 0) {
          send(m.toBuilder().setTo(lead));
        }
      }
      case MSG_TIMEOUT_NOW -> hup(CampaignType.TRANSFER);
      case MSG_READ_INDEX -> {
        if (lead == 0) {
          throw new ProposalDroppedException("no leader to confirm a read", 0);
        }
        send(m.toBuilder().setTo(lead));
      }
      case MSG_READ_INDEX_RESP -> {
        if (m.getEntriesCount() == 1) {
          readStates.add(new ReadState(m.getIndex(), m.getEntries(0).getData()));
        }
      }
      default -> {
        // Ignored by a follower.
      }
    }
  }

  private void handleAppendEntries(Message m) {
    if (m.getIndex() < raftLog.committed) {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(raftLog.committed));
      return;
    }
    long lastNew = raftLog.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(),
        m.getEntriesList());
    if (lastNew >= 0) {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(lastNew));
      return;
    }
    // §5.3: reject, with a hint of where our logs may match so the leader skips whole terms.
    long hintIndex = Math.min(m.getIndex(), raftLog.lastIndex());
    long[] hint = raftLog.findConflictByTerm(hintIndex, m.getLogTerm());
    send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(m.getIndex()).setReject(true)
        .setRejectHint(hint[0]).setLogTerm(hint[1]));
  }

  private void handleHeartbeat(Message m) {
    raftLog.commitTo(m.getCommit());
    send(msg(MessageType.MSG_HEARTBEAT_RESP, m.getFrom()).setContext(m.getContext()));
  }

  private void handleSnapshot(Message m) {
    if (restore(m.getSnapshot())) {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(raftLog.lastIndex()));
    } else {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(raftLog.committed));
    }
  }

  /** Installs a snapshot from the leader if it is news; returns whether it was installed. */
  boolean restore(Snapshot s) {
    long index = s.getMetadata().getIndex();
    if (index <= raftLog.committed) {
      return false;
    }
    if (state != StateType.FOLLOWER) {
      becomeFollower(term + 1, 0);
      return false;
    }
    ConfState cs = s.getMetadata().getConfState();
    if (!cs.getVotersList().contains(id) && !cs.getLearnersList().contains(id)) {
      // A snapshot from a configuration that does not include us cannot be ours to apply.
      return false;
    }
    if (raftLog.matchTerm(index, s.getMetadata().getTerm())) {
      // We already have the snapshot's entries: just fast-forward the commit index.
      raftLog.commitTo(index);
      return false;
    }
    raftLog.restore(s);
    ConfChanges.restore(prs, cs, raftLog.lastIndex() + 1);
    Progress self = prs.get(id);
    self.maybeUpdate(self.next() - 1);
    isLearner = self.learner();
    return true;
  }

  // ---- membership -----------------------------------------------------------------------------

  /** Applies a committed conf change (a refused one is a no-op) and returns the configuration. */
  ConfState applyConfChange(ConfChange cc) {
    if (ConfChanges.refusal(prs, cc) == null) {
      ConfChanges.apply(prs, cc, raftLog.lastIndex() + 1);
    }
    return switchToConfig();
  }

  private ConfState switchToConfig() {
    ConfState cs = prs.confState();
    Progress self = prs.get(id);
    isLearner = self != null && self.learner();
    if ((self == null || isLearner) && state == StateType.LEADER) {
      // A leader that was removed steps down; the remaining voters elect a new one.
      becomeFollower(term, 0);
      return cs;
    }
    if (state != StateType.LEADER || cs.getVotersCount() == 0) {
      return cs;
    }
    // The quorum may have shrunk, so entries may now be committed.
    if (maybeCommit()) {
      bcastAppend();
    } else {
      for (long to : prs.progress().keySet()) {
        if (to != id) {
          maybeSendAppend(to, false);
        }
      }
    }
    if (leadTransferee != 0 && !prs.isVoter(leadTransferee)) {
      abortLeaderTransfer();
    }
    return cs;
  }

  static ConfChange decodeConfChange(Entry e) {
    try {
      return ConfChange.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("corrupt conf change entry at index " + e.getIndex(), ex);
    }
  }

  private void sendTimeoutNow(long to) {
    send(msg(MessageType.MSG_TIMEOUT_NOW, to));
  }

  private void abortLeaderTransfer() {
    leadTransferee = 0;
  }
}
