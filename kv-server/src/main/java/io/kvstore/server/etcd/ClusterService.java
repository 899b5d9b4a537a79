package io.kvstore.server.etcd;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.ClusterGrpc;
import io.kvstore.api.etcdserverpb.Member;
import io.kvstore.api.etcdserverpb.MemberAddRequest;
import io.kvstore.api.etcdserverpb.MemberAddResponse;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.MemberListResponse;
import io.kvstore.api.etcdserverpb.MemberPromoteRequest;
import io.kvstore.api.etcdserverpb.MemberPromoteResponse;
import io.kvstore.api.etcdserverpb.MemberRemoveRequest;
import io.kvstore.api.etcdserverpb.MemberRemoveResponse;
import io.kvstore.api.etcdserverpb.MemberUpdateRequest;
import io.kvstore.api.etcdserverpb.MemberUpdateResponse;
import io.kvstore.raft.node.RaftNode;
import io.kvstore.raft.node.RequestTimeoutException;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.MemberContext;
import io.kvstore.server.MemberIds;
import io.kvstore.server.apply.ApplyWaiters;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.mvcc.MvccStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code etcdserverpb.Cluster}, as etcd's {@code ClusterServer} and {@code EtcdServer}'s
 * membership methods: changes are validated against the applied member list with etcd's checks
 * (including {@code --strict-reconfig-check}, which etcd enables by default: a member counts as
 * started once it has published its name), proposed as Raft conf changes carrying a {@link
 * MemberContext}, and answered once applied here. Added members get etcd's time-salted ids.
 *
 * <p>Thread-safety: safe for concurrent use; membership changes are serialised by Raft (one
 * pending at a time), so two concurrent adds may both pass validation and the second be dropped by
 * Raft, ending in a timeout, as in etcd.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  /** etcd's {@code readyPercent}: a learner is promotable at 90% of the leader's match index. */
  private static final double LEARNER_READY_FRACTION = 0.9;
  /** etcd's {@code maxLearners}. */
  private static final int MAX_LEARNERS = 1;

  private final RaftNode raft;
  private final MvccStore store;
  private final Proposer proposer;
  /** Conf changes proposed here, by {@link ConfChange#getId()}, until applied here. */
  private final ApplyWaiters confChanges;
  private final Duration requestTimeout;
  private final Executor executor;

  public ClusterService(RaftNode raft, MvccStore store, Proposer proposer,
      ApplyWaiters confChanges, Duration requestTimeout, Executor executor) {
    this.raft = raft;
    this.store = store;
    this.proposer = proposer;
    this.confChanges = confChanges;
    this.requestTimeout = requestTimeout;
    this.executor = executor;
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    CompletableFuture<?> barrier = request.getLinearizable() ? raft.readIndex()
        : CompletableFuture.completedFuture(null);
    KvService.reply(barrier.thenApply(x -> MemberListResponse.newBuilder()
        .setHeader(header()).addAllMembers(list(members())).build()), out);
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> out) {
    List<URI> urls = parseUrls(request.getPeerURLsList());
    if (urls == null) {
      out.onError(EtcdStatuses.BAD_URLS.asRuntimeException());
      return;
    }
    Map<Long, MemberRecord> members = members();
    long id = MemberIds.memberId(urls, Long.toString(Instant.now().getEpochSecond()));
    io.grpc.Status refusal = members.containsKey(id) ? EtcdStatuses.MEMBER_EXIST
        : peerUrlTaken(members, request.getPeerURLsList(), 0) ? EtcdStatuses.PEER_URL_EXIST
        : request.getIsLearner() && learners(members) >= MAX_LEARNERS
            ? EtcdStatuses.TOO_MANY_LEARNERS
        : !request.getIsLearner() && !readyToAddVoter(members) ? EtcdStatuses.NOT_ENOUGH_STARTED
        : null;
    if (refusal != null) {
      out.onError(refusal.asRuntimeException());
      return;
    }
    MemberContext context = MemberContext.newBuilder()
        .addAllPeerUrls(request.getPeerURLsList()).build();
    ConfChangeType type = request.getIsLearner() ? ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE
        : ConfChangeType.CONF_CHANGE_ADD_NODE;
    KvService.reply(configure(type, id, context).thenApply(x -> {
      Map<Long, MemberRecord> after = members();
      return MemberAddResponse.newBuilder().setHeader(header())
          .setMember(toMember(new MemberRecord(id, context, request.getIsLearner())))
          .addAllMembers(list(after)).build();
    }), out);
  }

  @Override
  public void memberRemove(MemberRemoveRequest request,
      StreamObserver<MemberRemoveResponse> out) {
    Map<Long, MemberRecord> members = members();
    MemberRecord member = members.get(request.getID());
    if (member == null) {
      out.onError(EtcdStatuses.MEMBER_NOT_FOUND.asRuntimeException());
      return;
    }
    if (!member.learner() && !readyToRemoveVoter(members, member.id())) {
      out.onError(EtcdStatuses.NOT_ENOUGH_STARTED.asRuntimeException());
      return;
    }
    KvService.reply(configure(ConfChangeType.CONF_CHANGE_REMOVE_NODE, member.id(),
        MemberContext.getDefaultInstance()).thenApply(x -> MemberRemoveResponse.newBuilder()
            .setHeader(header()).addAllMembers(list(members())).build()), out);
  }

  /**
   * etcd proposes {@code ConfChangeUpdateNode}; kvstore's Raft has no such type, so the update is
   * the conf change that adds the member as what it already is (a no-op for Raft) with the new
   * peer URLs in its context, which the member list and the transports then take.
   */
  @Override
  public void memberUpdate(MemberUpdateRequest request,
      StreamObserver<MemberUpdateResponse> out) {
    if (parseUrls(request.getPeerURLsList()) == null) {
      out.onError(EtcdStatuses.BAD_URLS.asRuntimeException());
      return;
    }
    Map<Long, MemberRecord> members = members();
    MemberRecord member = members.get(request.getID());
    if (member == null) {
      out.onError(EtcdStatuses.MEMBER_NOT_FOUND.asRuntimeException());
      return;
    }
    if (peerUrlTaken(members, request.getPeerURLsList(), member.id())) {
      out.onError(EtcdStatuses.PEER_URL_EXIST.asRuntimeException());
      return;
    }
    MemberContext context = member.context().toBuilder().clearPeerUrls()
        .addAllPeerUrls(request.getPeerURLsList()).build();
    ConfChangeType type = member.learner() ? ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE
        : ConfChangeType.CONF_CHANGE_ADD_NODE;
    KvService.reply(configure(type, member.id(), context).thenApply(x ->
        MemberUpdateResponse.newBuilder().setHeader(header()).addAllMembers(list(members()))
            .build()), out);
  }

  /**
   * Only the leader sees how far a learner has caught up, so a follower hands the request to the
   * leader's client URL, as etcd's follower forwards it to the leader's peer URL.
   */
  @Override
  public void memberPromote(MemberPromoteRequest request,
      StreamObserver<MemberPromoteResponse> out) {
    Map<Long, MemberRecord> members = members();
    MemberRecord member = members.get(request.getID());
    if (member == null) {
      out.onError(EtcdStatuses.MEMBER_NOT_FOUND.asRuntimeException());
      return;
    }
    if (!member.learner()) {
      out.onError(EtcdStatuses.NOT_LEARNER.asRuntimeException());
      return;
    }
    RaftNode.NodeStatus status = raft.status();
    if (!status.isLeader()) {
      KvService.reply(forwardToLeader(members.get(status.leaderId()), request), out);
      return;
    }
    KvService.reply(raft.progress().thenCompose(progress -> {
      long leaderMatch = progress.getOrDefault(status.id(), 0L);
      long learnerMatch = progress.getOrDefault(member.id(), 0L);
      if (learnerMatch < leaderMatch * LEARNER_READY_FRACTION) {
        throw EtcdStatuses.LEARNER_NOT_READY.asRuntimeException();
      }
      if (!readyToPromote(members)) {
        throw EtcdStatuses.NOT_ENOUGH_STARTED.asRuntimeException();
      }
      return configure(ConfChangeType.CONF_CHANGE_PROMOTE_LEARNER, member.id(),
          MemberContext.getDefaultInstance());
    }).thenApply(x -> MemberPromoteResponse.newBuilder().setHeader(header())
        .addAllMembers(list(members())).build()), out);
  }

  private CompletableFuture<MemberPromoteResponse> forwardToLeader(MemberRecord leader,
      MemberPromoteRequest request) {
    if (leader == null || leader.context().getClientUrlsCount() == 0) {
      return CompletableFuture.failedFuture(EtcdStatuses.NO_LEADER.asRuntimeException());
    }
    URI url = URI.create(leader.context().getClientUrls(0));
    return CompletableFuture.supplyAsync(() -> LeaderCall.call(url, channel ->
        ClusterGrpc.newBlockingStub(channel)
            .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .memberPromote(request)), executor);
  }

  /** Proposes a conf change and completes once it is applied here (or fails, or times out). */
  private CompletableFuture<Object> configure(ConfChangeType type, long id,
      MemberContext context) {
    ConfChange cc = ConfChange.newBuilder().setType(type).setNodeId(id)
        .setContext(context.toByteString()).setId(proposer.nextId()).build();
    CompletableFuture<Object> applied = confChanges.register(cc.getId());
    raft.submitConfChange(cc).whenComplete((ok, error) -> {
      if (error != null) {
        applied.completeExceptionally(error);
      }
    });
    return applied.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
            e instanceof TimeoutException ? new RequestTimeoutException("request timed out")
                : e));
  }

  // ---- etcd's membership checks (api/membership/cluster.go) ----------------------------------

  /** Whether a quorum of the voters, counting the one to add, would have started. */
  private static boolean readyToAddVoter(Map<Long, MemberRecord> members) {
    int voters = 1;
    int started = 0;
    for (MemberRecord m : members.values()) {
      if (!m.learner()) {
        voters++;
        started += started(m) ? 1 : 0;
      }
    }
    if (started == 1 && voters == 2) {
      return true; // growing a one-member cluster, as when restoring one
    }
    return started >= voters / 2 + 1;
  }

  /** Whether the voters left after removing {@code id} hold a started quorum. */
  private static boolean readyToRemoveVoter(Map<Long, MemberRecord> members, long id) {
    int voters = 0;
    int started = 0;
    for (MemberRecord m : members.values()) {
      if (!m.learner() && m.id() != id) {
        voters++;
        started += started(m) ? 1 : 0;
      }
    }
    return started >= voters / 2 + 1;
  }

  /** Whether the voters, counting the learner as a started voter, hold a started quorum. */
  private static boolean readyToPromote(Map<Long, MemberRecord> members) {
    int voters = 1;
    int started = 1;
    for (MemberRecord m : members.values()) {
      if (!m.learner()) {
        voters++;
        started += started(m) ? 1 : 0;
      }
    }
    return started >= voters / 2 + 1;
  }

  /** etcd's {@code IsStarted}: the member has published its name. */
  private static boolean started(MemberRecord m) {
    return !m.context().getName().isEmpty();
  }

  private static long learners(Map<Long, MemberRecord> members) {
    return members.values().stream().filter(MemberRecord::learner).count();
  }

  private static boolean peerUrlTaken(Map<Long, MemberRecord> members, List<String> urls,
      long except) {
    return members.values().stream().filter(m -> m.id() != except)
        .flatMap(m -> m.context().getPeerUrlsList().stream()).anyMatch(urls::contains);
  }

  /** The URLs as etcd's {@code types.NewURLs} accepts them, or null. */
  private static List<URI> parseUrls(List<String> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<URI> urls = new ArrayList<>();
    for (String v : values) {
      try {
        URI u = new URI(v);
        boolean schemeOk = "http".equals(u.getScheme()) || "https".equals(u.getScheme());
        boolean pathOk = u.getRawPath() == null || u.getRawPath().isEmpty();
        if (!schemeOk || u.getHost() == null || u.getPort() < 0 || !pathOk) {
          return null;
        }
        urls.add(u);
      } catch (URISyntaxException e) {
        return null;
      }
    }
    return urls;
  }

  // ---- reading the member list --------------------------------------------------------------

  private Map<Long, MemberRecord> members() {
    return store.readBackend((backend, rev, compacted) -> backend.members());
  }

  /** The members as etcd lists them: by id, compared as unsigned numbers. */
  private static List<Member> list(Map<Long, MemberRecord> members) {
    return members.values().stream().sorted((a, b) -> Long.compareUnsigned(a.id(), b.id()))
        .map(ClusterService::toMember).toList();
  }

  private static Member toMember(MemberRecord m) {
    return Member.newBuilder().setID(m.id()).setName(m.context().getName())
        .addAllPeerURLs(m.context().getPeerUrlsList())
        .addAllClientURLs(m.context().getClientUrlsList()).setIsLearner(m.learner()).build();
  }

  /** etcd's cluster responses carry cluster id, member id and term, but no revision. */
  private io.kvstore.api.etcdserverpb.ResponseHeader header() {
    return proposer.header(0);
  }
}
