package io.kvstore.raft.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.core.Config;
import io.kvstore.raft.core.ProposalDroppedException;
import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.core.ReadState;
import io.kvstore.raft.core.Ready;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.MemberContext;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.LogStore;
import io.kvstore.raft.storage.SnapshotStore;
import io.kvstore.raft.storage.SnapshotWriter;
import io.kvstore.raft.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver around a {@link RawNode}: the only part of the Raft layer with threads. One event
 * loop ticks the clock, drains inbound messages and requests, and for each {@link Ready} persists
 * (one synced write per Ready, so concurrent proposals share an fsync), sends, hands the committed
 * entries to the {@link Applier} and advances without waiting for them, so a long apply never
 * delays heartbeats (as etcd's raft and apply goroutines). Conf changes are applied on the loop
 * once the applier has caught up to them. Snapshots are captured by the applier, written on a
 * third thread and installed in log order.
 *
 * <p>Thread-safety: every public method may be called from any thread; work is handed to the
 * loop through a queue. {@link LogStore} writes and the {@link RawNode} are only touched on the
 * loop thread, the {@link StateMachine} only as {@link Applier} describes.
 *
 * <p>Invariants: the state machine's applied index never passes what the log store holds as
 * committed; messages of a Ready leave only after its entries and hard state are synced; at most
 * {@link #MAX_UNAPPLIED_ENTRIES} committed entries wait for applying when a proposal is accepted.
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  /** etcd's maxGapBetweenApplyAndCommitIndex: proposals are refused beyond this apply lag. */
  static final long MAX_UNAPPLIED_ENTRIES = 5_000;
  /** etcd 3.5's readIndexRetryTime: an unanswered ReadIndex request is sent again after this. */
  private static final long READ_INDEX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** A consistent view of the member's Raft state for other threads. Immutable. */
  public record NodeStatus(long id, long leaderId, boolean isLeader, long term, long commitIndex,
      long appliedIndex, long lastIndex, ConfState confState) {}

  private final RaftNodeConfig config;
  private final LogStore logStore;
  private final SnapshotStore snapshots;
  private final Transport transport;
  private final StateMachine stateMachine;
  private final NodeMetrics metrics;
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final ExecutorService snapshotter;
  private final Thread loop;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicLong pendingCount = new AtomicLong();
  /** Requests submitted but not yet taken by the loop, so a shutdown can fail them. */
  private final Set<CompletableFuture<?>> queuedRequests = ConcurrentHashMap.newKeySet();

  // Loop-thread state.
  private RawNode rawNode;
  private Applier applier;
  private final PendingProposals proposals = new PendingProposals();
  private final PendingReads reads = new PendingReads();
  private final Submissions submissions = new Submissions();
  /** Submissions that must be appended by this member as leader, never forwarded. */
  private final Submissions leaderOnly = new Submissions();
  private ConfState confState;
  private long lastLeader;
  private boolean snapshotInProgress;
  private long snapshotIndex;
  /** Ticks left before stopping after this member's own removal was applied; -1 if not removed. */
  private int ticksUntilRemovedStop = -1;

  private volatile NodeStatus status;
  private volatile boolean stopping;
  /** Cleared before the final drain of the inbox; a request submitted later fails at once. */
  private volatile boolean acceptingRequests = true;

  /**
   * Creates a node over its storage and transport; nothing runs until {@link #start}. The node
   * owns the log store and the transport and closes them when it stops.
   */
  public RaftNode(RaftNodeConfig config, LogStore logStore, SnapshotStore snapshots,
      Transport transport, StateMachine stateMachine, MeterRegistry registry) {
    this.config = config.validate();
    this.logStore = logStore;
    this.snapshots = snapshots;
    this.transport = transport;
    this.stateMachine = stateMachine;
    this.status = new NodeStatus(config.id(), 0, false, 0, 0, 0, 0, ConfState.getDefaultInstance());
    this.metrics = new NodeMetrics(registry, () -> status, pendingCount);
    String hex = Long.toHexString(config.id());
    this.loop = new Thread(this::runLoop, "raft-loop-" + hex);
    this.snapshotter = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "raft-snapshot-" + hex);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Recovers from disk and starts the event loop and transport.
   *
   * @param bootstrapVoters the initial voters if this is a brand-new cluster member whose log is
   *     empty (ignored otherwise); empty when joining an existing cluster
   * @param peers the addresses of the members known at start (this member's own is recorded in
   *     the bootstrap entries, so members joining later can reach it)
   */
  public void start(List<Long> bootstrapVoters, Map<Long, InetSocketAddress> peers) {
    recoverStateMachine();
    Config cfg = Config.defaults(config.id(), new SecureRandom())
        .withTicks(config.electionTicks(), 1)
        .withLimits(config.maxSizePerMsg(), config.maxInflightMsgs())
        .withFeatures(config.checkQuorum(), config.preVote())
        .withProposalForwardingDisabled(true)
        .withApplied(stateMachine.appliedIndex());
    rawNode = new RawNode(cfg, logStore);
    boolean fresh = logStore.lastIndex() == 0 && logStore.snapshot().getMetadata().getIndex() == 0;
    if (fresh && !bootstrapVoters.isEmpty()) {
      rawNode.bootstrap(bootstrapVoters.stream().map(id -> addVoterChange(id, peers)).toList());
      LOG.info("{} bootstrapped a new cluster with voters {}", hex(config.id()),
          hex(bootstrapVoters));
    }
    confState = logStore.initialState().confState();
    snapshotIndex = logStore.snapshot().getMetadata().getIndex();
    applier = new Applier(stateMachine, logStore.term(stateMachine.appliedIndex()), confState,
        "raft-apply-" + hex(config.id()), new ApplierEvents());
    applier.start();
    // A transport takes peers only once started; what arrives before the loop runs waits in the
    // inbox.
    transport.start(new TransportInbound());
    peers.forEach((id, addr) -> {
      if (id != config.id()) {
        transport.addPeer(id, addr);
      }
    });
    publishStatus();
    loop.start();
    ConfState current = rawNode.status().confState();
    LOG.info("{} started: applied {}, last index {}, term {}, voters {}, learners {}",
        hex(config.id()), stateMachine.appliedIndex(), rawNode.lastIndex(), rawNode.term(),
        hex(current.getVotersList()), hex(current.getLearnersList()));
  }

  private void recoverStateMachine() {
    SnapshotMetadata snap = logStore.snapshot().getMetadata();
    if (stateMachine.appliedIndex() >= snap.getIndex()) {
      return;
    }
    // A crash came between installing a snapshot in the log store and restoring it.
    try (InputStream in = snapshots.openData(snap)) {
      stateMachine.restore(snap, in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore the state machine from snapshot "
          + snap.getTerm() + "/" + snap.getIndex() + " in " + snapshots.directory(), e);
    }
  }

  // ---- the public API ------------------------------------------------------------------------

  /**
   * Proposes {@code data}; the future completes with the state machine's result once the entry
   * is applied here. It fails with {@link ProposalDroppedException} (not the leader: its {@code
   * leaderHint()} says who is; or replaced by a new leader before commit), {@link
   * RequestTimeoutException} (outcome unknown) or {@link NodeStoppedException}.
   */
  public CompletableFuture<Object> propose(byte[] data) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    submit(f, () -> {
      refuseWhenApplyLags();
      rawNode.propose(ByteString.copyFrom(data));
      trackProposal(f);
    });
    return f;
  }

  /**
   * Hands {@code data} to the leader without tracking it: on the leader it is appended to the
   * log, on a follower it is forwarded to the leader in a proposal message. The future completes
   * once that is done, not when the entry is applied; the caller recognises the applied entry by
   * an id inside {@code data} (as etcd's server does) and applies its own timeout, since a
   * forwarded proposal that the leader drops is never reported. It fails with {@link
   * ProposalDroppedException} when no leader is known or the leader refuses it here.
   */
  public CompletableFuture<Void> submit(byte[] data) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(f, () -> {
      refuseWhenApplyLags();
      submissions.add(ByteString.copyFrom(data), f);
    });
    return f;
  }

  /**
   * Appends {@code data} to the log only if this member leads when the loop takes it; never
   * forwards it. For decisions only a current leader may make (a lease's expiry): a deposed
   * leader that has not noticed yet appends it in its old term, where it can never be committed,
   * instead of handing a stale decision to the new leader. Otherwise as {@link #submit(byte[])};
   * fails with {@link ProposalDroppedException} when this member does not lead.
   */
  public CompletableFuture<Void> submitAsLeader(byte[] data) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(f, () -> {
      refuseWhenApplyLags();
      leaderOnly.add(ByteString.copyFrom(data), f);
    });
    return f;
  }

  /**
   * Hands every submission of this loop turn to Raft at once: one append and one broadcast on the
   * leader, one forwarded proposal message from a follower.
   */
  private void flushSubmissions() {
    flushLeaderOnly();
    if (submissions.isEmpty()) {
      return;
    }
    List<ByteString> payloads = submissions.payloads();
    try {
      long leader = rawNode.leaderId();
      if (rawNode.isLeader() || leader == 0) {
        rawNode.proposeBatch(payloads);
      } else {
        Message.Builder m = Message.newBuilder().setType(MessageType.MSG_PROP).setTo(leader)
            .setFrom(config.id());
        payloads.forEach(p -> m.addEntries(Entry.newBuilder().setData(p)));
        transport.send(m.build());
      }
      submissions.completeAll(null);
    } catch (ProposalDroppedException e) {
      metrics.proposalsFailed.increment(payloads.size());
      submissions.completeAll(e);
    }
  }

  private void flushLeaderOnly() {
    if (leaderOnly.isEmpty()) {
      return;
    }
    List<ByteString> payloads = leaderOnly.payloads();
    if (!rawNode.isLeader()) {
      metrics.proposalsFailed.increment(payloads.size());
      leaderOnly.completeAll(new ProposalDroppedException("not the leader", rawNode.leaderId()));
      return;
    }
    try {
      rawNode.proposeBatch(payloads);
      leaderOnly.completeAll(null);
    } catch (ProposalDroppedException e) {
      metrics.proposalsFailed.increment(payloads.size());
      leaderOnly.completeAll(e);
    }
  }

  /**
   * Hands a membership change to the leader without tracking it, as {@link #submit(byte[])} does
   * for normal entries: the caller recognises the applied change by {@link ConfChange#getId()}.
   * Fails with {@link ProposalDroppedException} when no leader is known or the leader refuses it
   * here.
   */
  public CompletableFuture<Void> submitConfChange(ConfChange change) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(f, () -> {
      refuseWhenApplyLags();
      long leader = rawNode.leaderId();
      if (rawNode.isLeader() || leader == 0) {
        rawNode.proposeConfChange(change);
      } else {
        transport.send(Message.newBuilder().setType(MessageType.MSG_PROP).setTo(leader)
            .setFrom(config.id()).addEntries(Entry.newBuilder()
                .setType(EntryType.ENTRY_CONF_CHANGE).setData(change.toByteString())).build());
      }
      f.complete(null);
    });
    return f;
  }

  /**
   * Each member's match index as this member sees it: filled on the leader only (empty on a
   * follower), as etcd's {@code raft.Status().Progress}.
   */
  public CompletableFuture<Map<Long, Long>> progress() {
    CompletableFuture<Map<Long, Long>> f = new CompletableFuture<>();
    submit(f, () -> f.complete(rawNode.status().progress()));
    return f;
  }

  /** Proposes a membership change; completes with the new configuration once applied here. */
  public CompletableFuture<Object> proposeConfChange(ConfChange change) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    submit(f, () -> {
      refuseWhenApplyLags();
      rawNode.proposeConfChange(change);
      trackProposal(f);
    });
    return f;
  }

  /**
   * A linearizable read barrier: completes with an index once the leader has confirmed it still
   * leads and this member has applied up to that index, so a local read then sees every write
   * acknowledged before the call. Concurrent calls share one confirmation round.
   */
  public CompletableFuture<Long> readIndex() {
    CompletableFuture<Long> f = new CompletableFuture<>();
    submit(f, () -> reads.queue(deadline(), f));
    return f;
  }

  /** Asks the leader to hand leadership to {@code transferee}. */
  public void transferLeadership(long transferee) {
    enqueue(() -> rawNode.transferLeader(transferee));
  }

  /** Starts a snapshot now (if none is being written), as the snapshot count would. */
  public void triggerSnapshot() {
    enqueue(this::startSnapshot);
  }

  public NodeStatus status() {
    return status;
  }

  /** Completes when the node has stopped; exceptionally if it stopped because of a failure. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** Stops the loop, fails every waiting request, and closes the transport and the log store. */
  @Override
  public void close() {
    stopping = true;
    inbox.add(() -> { });
    if (loop.isAlive() && Thread.currentThread() != loop) {
      try {
        loop.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!loop.isAlive() && !terminated.isDone()) {
      shutdown(null);
    }
  }

  // ---- the loop ------------------------------------------------------------------------------

  private void submit(CompletableFuture<?> f, Runnable work) {
    queuedRequests.add(f);
    enqueue(() -> {
      queuedRequests.remove(f);
      try {
        work.run();
      } catch (ProposalDroppedException | TooManyRequestsException e) {
        metrics.proposalsFailed.increment();
        f.completeExceptionally(e);
      }
    });
    if (!acceptingRequests) {
      f.completeExceptionally(stoppedException(null));
    }
  }

  /** Refuses a proposal while applying lags too far behind the commit index, as etcd does. */
  private void refuseWhenApplyLags() {
    long lag = rawNode.commitIndex() - applier.appliedIndex();
    if (lag > MAX_UNAPPLIED_ENTRIES) {
      throw new TooManyRequestsException("too many requests: " + lag
          + " committed entries wait to be applied");
    }
  }

  private void enqueue(Runnable task) {
    inbox.add(task);
  }

  private void trackProposal(CompletableFuture<Object> f) {
    proposals.add(rawNode.lastIndex(), rawNode.term(), deadline(), f);
    pendingCount.set(proposals.size());
  }

  private long deadline() {
    return System.nanoTime() + config.requestTimeout().toNanos();
  }

  private void runLoop() {
    long tickNanos = config.tickInterval().toNanos();
    long nextTick = System.nanoTime() + tickNanos;
    Throwable failure = null;
    try {
      while (!stopping) {
        long wait = nextTick - System.nanoTime();
        Runnable task = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
        int drained = 0;
        while (task != null) {
          task.run();
          task = ++drained < 100_000 ? inbox.poll() : null;
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          if (ticksUntilRemovedStop >= 0 && ticksUntilRemovedStop-- == 0) {
            stopping = true;
          }
          rawNode.tick();
          nextTick = now - nextTick > 10 * tickNanos ? now + tickNanos : nextTick + tickNanos;
          proposals.expire(now);
          reads.expire(now);
          resendUnansweredReads(now);
          pendingCount.set(proposals.size());
        }
        flushSubmissions();
        startReadRound();
        while (rawNode.hasReady()) {
          handleReady(rawNode.ready());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("{} raft loop failed; stopping this member", hex(config.id()), e);
    }
    shutdown(failure);
  }

  private void startReadRound() {
    if (!reads.hasQueued()) {
      return;
    }
    ByteString ctx = reads.startRound(System.nanoTime());
    try {
      rawNode.readIndex(ctx);
    } catch (ProposalDroppedException e) {
      reads.failRound(ctx, e);
    }
  }

  /**
   * Sends again the ReadIndex requests unanswered for {@link #READ_INDEX_RETRY_NANOS}: a request
   * forwarded to the leader, or its answer, may have been dropped (a full queue, a connection
   * being re-established), and nothing else would ever complete those reads.
   */
  private void resendUnansweredReads(long now) {
    for (ByteString ctx : reads.unansweredSince(now - READ_INDEX_RETRY_NANOS, now)) {
      try {
        rawNode.readIndex(ctx);
      } catch (ProposalDroppedException e) {
        reads.failRound(ctx, e);
      }
    }
  }

  private void handleReady(Ready rd) throws InterruptedException {
    if (rd.softState() != null) {
      onSoftState(rd);
    }
    if (rd.snapshot() != null) {
      installSnapshot(rd.snapshot().getMetadata());
    }
    // A leader sends before its own write, which then overlaps the followers' (Raft thesis
    // 10.2.1): its new entries can count toward a commit only in a later Ready, after the write.
    boolean leading = lastLeader == config.id();
    if (leading) {
      sendAll(rd.messages());
    }
    if (!rd.entries().isEmpty() || rd.hardState() != null) {
      long t0 = System.nanoTime();
      logStore.save(rd.hardState(), rd.entries(), rd.mustSync());
      if (rd.mustSync()) {
        metrics.walFsync.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
      }
    }
    if (!leading) {
      sendAll(rd.messages());
    }
    applyCommitted(rd.committedEntries());
    long applied = applier.appliedIndex();
    for (ReadState rs : rd.readStates()) {
      reads.confirmed(rs, applied);
    }
    reads.applied(applied);
    rawNode.advance(rd);
    publishStatus();
    snapshotIfDue();
  }

  private void onSoftState(Ready rd) {
    long lead = rd.softState().lead();
    if (lead != lastLeader) {
      if (lead != 0) {
        LOG.info("raft.node: {} elected leader {} at term {}", hex(config.id()), hex(lead),
            rawNode.term());
        metrics.leaderChanges.increment();
      } else {
        LOG.info("raft.node: {} lost leader {} at term {}", hex(config.id()), hex(lastLeader),
            rawNode.term());
      }
      // A confirmation round sent to the old leader may never be answered; callers retry.
      reads.failConfirming(new ProposalDroppedException("leader changed during a read", lead));
      lastLeader = lead;
    }
  }

  private void sendAll(List<Message> messages) {
    for (Message m : messages) {
      send(m);
    }
  }

  private void send(Message m) {
    if (m.getType() == MessageType.MSG_SNAP && !snapshotSendable(m)) {
      rawNode.reportSnapshot(m.getTo(), true);
      startSnapshot();
      return;
    }
    transport.send(m);
  }

  /**
   * Whether the snapshot a MSG_SNAP names is on disk and includes its receiver; if not, a fresh
   * one is made (like etcd's merged snapshot of the current state) and the send is retried.
   */
  private boolean snapshotSendable(Message m) {
    SnapshotMetadata meta = m.getSnapshot().getMetadata();
    ConfState cs = meta.getConfState();
    boolean includesReceiver =
        cs.getVotersList().contains(m.getTo()) || cs.getLearnersList().contains(m.getTo());
    return includesReceiver && snapshots.file(meta.getTerm(), meta.getIndex()).isPresent();
  }

  private void installSnapshot(SnapshotMetadata meta) {
    logStore.applySnapshot(meta);
    applier.restore(meta, snapshots::openData);
    ConfState previous = confState;
    confState = meta.getConfState();
    snapshotIndex = meta.getIndex();
    dropPeersMissingFrom(previous);
    LOG.info("{} installing snapshot at index {} term {}", hex(config.id()), meta.getIndex(),
        meta.getTerm());
  }

  /**
   * Hands committed entries to the applier; a conf change waits until the applier has applied
   * everything before it, then is applied here, since it changes the RawNode and the transport.
   */
  private void applyCommitted(List<Entry> committed) throws InterruptedException {
    List<Entry> batch = new ArrayList<>();
    for (Entry e : committed) {
      if (e.getType() != EntryType.ENTRY_CONF_CHANGE) {
        batch.add(e);
        continue;
      }
      applier.apply(batch);
      batch.clear();
      applier.awaitIdle();
      applyConfChange(e);
    }
    applier.apply(batch);
  }

  /** Applies a conf-change entry while the applier is idle. */
  private void applyConfChange(Entry e) {
    if (e.getIndex() <= stateMachine.appliedIndex()) {
      return;
    }
    ConfChange cc = RawNode.confChangeOf(e);
    confState = rawNode.applyConfChange(cc);
    logStore.setConfState(confState);
    updateTransport(cc);
    stateMachine.apply(e);
    applier.confChangeApplied(e.getIndex(), e.getTerm(), confState);
    LOG.info("{} applied conf change {} {} at index {}: voters {}, learners {}",
        hex(config.id()), cc.getType(), hex(cc.getNodeId()), e.getIndex(),
        hex(confState.getVotersList()), hex(confState.getLearnersList()));
    completeProposal(e.getIndex(), e.getTerm(), confState);
    if (cc.getType() == ConfChangeType.CONF_CHANGE_REMOVE_NODE && cc.getNodeId() == config.id()) {
      // As etcd: stop after ten ticks, so that a leader's last messages still go out.
      LOG.warn("{} the member has been permanently removed from the cluster; stopping",
          hex(config.id()));
      ticksUntilRemovedStop = 10;
    }
  }

  private void completeProposal(long index, long term, Object result) {
    if (proposals.applied(index, term, result, rawNode.leaderId())) {
      metrics.proposalsFailed.increment();
    }
    pendingCount.set(proposals.size());
  }

  private void updateTransport(ConfChange cc) {
    if (cc.getNodeId() == config.id()) {
      return;
    }
    switch (cc.getType()) {
      case CONF_CHANGE_REMOVE_NODE -> transport.removePeer(cc.getNodeId());
      default -> peerAddress(cc).ifPresent(a -> transport.addPeer(cc.getNodeId(), a));
    }
  }

  /** Removes transport peers that a snapshot's configuration no longer has. */
  private void dropPeersMissingFrom(ConfState previous) {
    for (long id : previous.getVotersList()) {
      if (id != config.id() && !confState.getVotersList().contains(id)
          && !confState.getLearnersList().contains(id)) {
        transport.removePeer(id);
      }
    }
  }

  /**
   * Tells the transport where a member listens; kv-server calls it for members it learns of from
   * a snapshot, whose conf changes (and their addresses) this node never applied.
   */
  public void addPeer(long id, InetSocketAddress address) {
    if (id != config.id()) {
      transport.addPeer(id, address);
    }
  }

  /** The change adding {@code id}, with its address (if known) as a {@link MemberContext}. */
  private static ConfChange addVoterChange(long id, Map<Long, InetSocketAddress> peers) {
    ConfChange.Builder cc = RawNode.addVoter(id).toBuilder();
    InetSocketAddress addr = peers.get(id);
    if (addr != null) {
      cc.setContext(MemberContext.newBuilder()
          .addPeerUrls("http://" + addr.getHostString() + ":" + addr.getPort())
          .build().toByteString());
    }
    return cc.build();
  }

  /** The first peer URL in a conf change's {@link MemberContext}, as an address. */
  static Optional<InetSocketAddress> peerAddress(ConfChange cc) {
    if (cc.getContext().isEmpty()) {
      return Optional.empty();
    }
    MemberContext ctx;
    try {
      ctx = MemberContext.parseFrom(cc.getContext());
    } catch (InvalidProtocolBufferException e) {
      LOG.warn("conf change for {} has an unreadable member context", hex(cc.getNodeId()));
      return Optional.empty();
    }
    if (ctx.getPeerUrlsCount() == 0) {
      return Optional.empty();
    }
    URI uri = URI.create(ctx.getPeerUrls(0));
    return Optional.of(new InetSocketAddress(uri.getHost(), uri.getPort()));
  }

  // ---- snapshots -------------------------------------------------------------------------------

  private void snapshotIfDue() {
    if (applier.appliedIndex() - snapshotIndex >= config.snapshotCount()) {
      startSnapshot();
    }
  }

  /** Asks the applier to capture a snapshot after what it has queued, unless one is under way. */
  private void startSnapshot() {
    if (snapshotInProgress) {
      return;
    }
    if (applier.appliedIndex() <= snapshotIndex
        && snapshots.file(logStore.term(snapshotIndex), snapshotIndex).isPresent()) {
      return;
    }
    snapshotInProgress = true;
    applier.snapshot();
  }

  /** Writes a captured snapshot on the snapshot thread; called on the applier thread. */
  private void saveSnapshot(SnapshotMetadata meta, SnapshotWriter writer) {
    snapshotter.execute(() -> {
      long t0 = System.nanoTime();
      try {
        snapshots.save(meta, writer);
        metrics.snapshotSave.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        metrics.snapshotsSaved.increment();
        enqueue(() -> snapshotSaved(meta));
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} could not save snapshot at {}: {}", hex(config.id()), meta.getIndex(),
            e.toString());
        enqueue(() -> snapshotInProgress = false);
      }
    });
  }

  private void snapshotSaved(SnapshotMetadata meta) {
    snapshotInProgress = false;
    if (meta.getIndex() <= logStore.snapshot().getMetadata().getIndex()
        && meta.getIndex() != 0) {
      return;
    }
    logStore.createSnapshot(meta);
    snapshotIndex = meta.getIndex();
    long compactTo = meta.getIndex() - config.snapshotCatchUpEntries();
    if (compactTo > logStore.firstIndex()) {
      logStore.compact(compactTo);
    }
    LOG.info("{} saved snapshot at index {}; log starts at {}", hex(config.id()), meta.getIndex(),
        logStore.firstIndex());
  }

  // ---- status and shutdown ---------------------------------------------------------------------

  private void publishStatus() {
    status = new NodeStatus(config.id(), rawNode.leaderId(), rawNode.isLeader(), rawNode.term(),
        rawNode.commitIndex(), applier.appliedIndex(),
        rawNode.lastIndex(), confState);
  }

  private void shutdown(Throwable failure) {
    stopping = true;
    acceptingRequests = false;
    RuntimeException stopped = stoppedException(failure);
    inbox.clear();
    queuedRequests.forEach(f -> f.completeExceptionally(stopped));
    queuedRequests.clear();
    proposals.failAll(stopped);
    reads.failAll(stopped);
    submissions.completeAll(stopped);
    leaderOnly.completeAll(stopped);
    applier.close();
    snapshotter.shutdown();
    try {
      snapshotter.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    transport.close();
    logStore.close();
    if (failure == null) {
      terminated.complete(null);
    } else {
      terminated.completeExceptionally(failure);
    }
    LOG.info("{} stopped", hex(config.id()));
  }

  private static RuntimeException stoppedException(Throwable cause) {
    return new NodeStoppedException(cause == null ? "raft node stopped"
        : "raft node stopped after a failure: " + cause, cause);
  }

  static String hex(long id) {
    return Long.toHexString(id);
  }

  private static List<String> hex(List<Long> ids) {
    return ids.stream().map(RaftNode::hex).toList();
  }

  /** Hands the applier's progress to the loop. */
  private final class ApplierEvents implements Applier.Listener {
    @Override
    public void onApplied(List<Applier.Applied> results, long applied) {
      enqueue(() -> {
        for (Applier.Applied r : results) {
          completeProposal(r.index(), r.term(), r.result());
        }
        reads.applied(applied);
        publishStatus();
        snapshotIfDue();
      });
    }

    @Override
    public void onSnapshotCaptured(SnapshotMetadata meta, SnapshotWriter writer) {
      saveSnapshot(meta, writer);
    }

    @Override
    public void onSnapshotFailed(SnapshotMetadata meta, IOException cause) {
      LOG.warn("{} could not capture a snapshot at {}: {}", hex(config.id()), meta.getIndex(),
          cause.toString());
      enqueue(() -> snapshotInProgress = false);
    }

    @Override
    public void onFailure(Throwable failure) {
      enqueue(() -> {
        throw new IllegalStateException("applying committed entries failed: " + failure, failure);
      });
    }
  }

  /** Hands what the transport receives to the loop. */
  private final class TransportInbound implements Transport.Inbound {
    @Override
    public void onMessage(Message message) {
      enqueue(() -> rawNode.step(message));
    }

    @Override
    public void onUnreachable(long peerId) {
      enqueue(() -> rawNode.reportUnreachable(peerId));
    }

    @Override
    public void onSnapshotStatus(long peerId, boolean failed) {
      enqueue(() -> rawNode.reportSnapshot(peerId, failed));
    }
  }
}
