package io.kvstore.server.election;

import static io.kvstore.server.election.RecipeFixture.bs;
import static io.kvstore.server.election.RecipeFixture.eventually;
import static io.kvstore.server.election.RecipeFixture.join;
import static io.kvstore.server.election.RecipeFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Status;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.api.v3electionpb.CampaignRequest;
import io.kvstore.api.v3electionpb.CampaignResponse;
import io.kvstore.api.v3electionpb.LeaderKey;
import io.kvstore.api.v3electionpb.LeaderRequest;
import io.kvstore.api.v3electionpb.LeaderResponse;
import io.kvstore.api.v3electionpb.ProclaimRequest;
import io.kvstore.api.v3electionpb.ResignRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Election service's semantics over a real MVCC store and watch hub, in-process: candidates
 * queue by create revision and each waits only for its latest predecessor; leadership passes on
 * resignation and on lease revocation; proclaim, resign and leader answer with etcd's errors;
 * Observe follows the leader; a cancelled or lease-less candidate leaves no key and no watch.
 */
@Timeout(60)
class ElectionServiceTest {
  @TempDir Path dir;
  private RecipeFixture f;

  @BeforeEach
  void start() {
    f = new RecipeFixture(dir);
  }

  @AfterEach
  void stop() throws InterruptedException {
    f.close();
  }

  private CampaignResponse campaign(String name, long lease, String value) {
    return f.election().campaign(request(name, lease, value));
  }

  private static CampaignRequest request(String name, long lease, String value) {
    return CampaignRequest.newBuilder().setName(bs(name)).setLease(lease).setValue(bs(value))
        .build();
  }

  private Calls.Pending<CampaignResponse> campaignAsync(String name, long lease, String value) {
    return Calls.unary(o -> f.electionAsync().campaign(request(name, lease, value), o));
  }

  private KeyValue leader(String name) {
    return f.election().leader(LeaderRequest.newBuilder().setName(bs(name)).build()).getKv();
  }

  @Test
  void aLoneCandidateIsElectedAtOnceUnderNameSlashLeaseHex() {
    long lease = f.grant();
    CampaignResponse r = campaign("e", lease, "one");
    LeaderKey leader = r.getLeader();
    assertThat(leader.getName().toStringUtf8()).isEqualTo("e");
    assertThat(leader.getKey().toStringUtf8()).isEqualTo(key("e", lease));
    assertThat(leader.getLease()).isEqualTo(lease);
    KeyValue kv = leader("e");
    assertThat(leader.getRev()).isEqualTo(kv.getCreateRevision())
        .isEqualTo(r.getHeader().getRevision());
    assertThat(kv.getValue().toStringUtf8()).isEqualTo("one");
    assertThat(kv.getLease()).isEqualTo(lease);
    assertThat(f.watched()).as("no watch left once elected").isEmpty();
  }

  @Test
  void candidatesAreElectedInCreateRevisionOrderEachWatchingOnlyItsPredecessor()
      throws Exception {
    long l1 = f.grant();
    long l2 = f.grant();
    long l3 = f.grant();
    campaign("q", l1, "1");
    Calls.Pending<CampaignResponse> second = campaignAsync("q", l2, "2");
    f.awaitWatched(key("q", l1), key("q", l2));
    Calls.Pending<CampaignResponse> third = campaignAsync("q", l3, "3");
    // Each waiter watches its own key (for its loss) and its latest predecessor, nothing more.
    f.awaitWatched(key("q", l1), key("q", l2), key("q", l2), key("q", l3));

    // The middle candidate leaves: the third now waits behind the first, still not elected.
    f.revoke(l2);
    assertThat(catchThrowable(() -> second.result().get(20, TimeUnit.SECONDS)))
        .satisfies(t -> assertThat(Calls.status(t).getDescription())
            .isEqualTo("election: not leader"));
    f.awaitWatched(key("q", l1), key("q", l3));
    assertThat(third.result()).isNotDone();
    assertThat(leader("q").getKey().toStringUtf8()).isEqualTo(key("q", l1));

    f.election().resign(ResignRequest.newBuilder().setLeader(LeaderKey.newBuilder()
        .setName(bs("q")).setKey(bs(key("q", l1))).setRev(leader("q").getCreateRevision()))
        .build());
    CampaignResponse elected = join(third.result());
    assertThat(elected.getLeader().getKey().toStringUtf8()).isEqualTo(key("q", l3));
    assertThat(leader("q").getValue().toStringUtf8()).isEqualTo("3");
    assertThat(f.watched()).isEmpty();
  }

  @Test
  void revokingTheLeadersLeaseElectsTheNextCandidate() {
    long l1 = f.grant();
    long l2 = f.grant();
    campaign("r", l1, "a");
    Calls.Pending<CampaignResponse> next = campaignAsync("r", l2, "b");
    f.awaitWatched(key("r", l1), key("r", l2));
    assertThat(next.result()).isNotDone();
    f.revoke(l1);
    assertThat(join(next.result()).getLeader().getKey().toStringUtf8()).isEqualTo(key("r", l2));
    assertThat(leader("r").getValue().toStringUtf8()).isEqualTo("b");
  }

  @Test
  void proclaimChangesTheLeadersValueAndOnlyTheLeaderMayProclaim() {
    long lease = f.grant();
    LeaderKey leader = campaign("p", lease, "v1").getLeader();
    long revision = f.election().proclaim(ProclaimRequest.newBuilder().setLeader(leader)
        .setValue(bs("v2")).build()).getHeader().getRevision();
    KeyValue kv = leader("p");
    assertThat(kv.getValue().toStringUtf8()).isEqualTo("v2");
    assertThat(kv.getModRevision()).isEqualTo(revision);
    assertThat(kv.getCreateRevision()).isEqualTo(leader.getRev());

    Status wrongRevision = Calls.status(catchThrowable(() -> f.election().proclaim(
        ProclaimRequest.newBuilder().setLeader(leader.toBuilder().setRev(leader.getRev() + 1))
            .setValue(bs("x")).build())));
    assertThat(wrongRevision.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(wrongRevision.getDescription()).isEqualTo("election: not leader");

    f.election().resign(ResignRequest.newBuilder().setLeader(leader).build());
    Status resigned = Calls.status(catchThrowable(() -> f.election().proclaim(
        ProclaimRequest.newBuilder().setLeader(leader).setValue(bs("x")).build())));
    assertThat(resigned.getDescription()).isEqualTo("election: not leader");
    assertThat(f.keys("p/")).isEmpty();

    Status missing = Calls.status(catchThrowable(() -> f.election().proclaim(
        ProclaimRequest.newBuilder().setValue(bs("x")).build())));
    assertThat(missing.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(missing.getDescription()).isEqualTo("\"leader\" field must be provided");
  }

  @Test
  void resignDeletesOnlyTheKeyItNamesAndAKeyAlreadyGoneIsNoError() {
    long lease = f.grant();
    LeaderKey leader = campaign("s", lease, "v").getLeader();
    // Another create revision: not this key's incarnation, so nothing is deleted.
    f.election().resign(ResignRequest.newBuilder()
        .setLeader(leader.toBuilder().setRev(leader.getRev() + 100)).build());
    assertThat(f.keys("s/")).hasSize(1);
    f.election().resign(ResignRequest.newBuilder().setLeader(leader).build());
    assertThat(f.keys("s/")).isEmpty();
    f.election().resign(ResignRequest.newBuilder().setLeader(leader).build());
    Status missing = Calls.status(catchThrowable(() -> f.election().resign(
        ResignRequest.getDefaultInstance())));
    assertThat(missing.getDescription()).isEqualTo("\"leader\" field must be provided");
  }

  @Test
  void leaderOfAnElectionWithoutCandidatesIsNoLeader() {
    Status none = Calls.status(catchThrowable(() -> leader("nobody")));
    assertThat(none.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(none.getDescription()).isEqualTo("election: no leader");
  }

  @Test
  void campaigningAgainWithTheSameLeaseKeepsThePlaceAndProclaimsTheNewValue() {
    long lease = f.grant();
    LeaderKey first = campaign("again", lease, "old").getLeader();
    LeaderKey second = campaign("again", lease, "new").getLeader();
    assertThat(second).isEqualTo(first);
    assertThat(leader("again").getValue().toStringUtf8()).isEqualTo("new");
    assertThat(f.keys("again/")).hasSize(1);
  }

  @Test
  void anUnknownLeaseIsRefusedAsEtcdRefusesThePut() {
    Status refused = Calls.status(catchThrowable(() -> campaign("u", 0x1234, "v")));
    assertThat(refused.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(refused.getDescription()).isEqualTo("etcdserver: requested lease not found");
    assertThat(f.keys("u/")).isEmpty();
  }

  @Test
  void leaseZeroCampaignsWithAFreshSessionLease() {
    LeaderKey leader = campaign("z", 0, "v").getLeader();
    assertThat(leader.getLease()).isNotZero();
    assertThat(leader.getKey().toStringUtf8()).isEqualTo(key("z", leader.getLease()));
    assertThat(leader("z").getLease()).isEqualTo(leader.getLease());
  }

  @Test
  void aCancelledCandidateResignsAndLeavesNoWatch() {
    long l1 = f.grant();
    long l2 = f.grant();
    campaign("c", l1, "a");
    Calls.Pending<CampaignResponse> waiting = campaignAsync("c", l2, "b");
    f.awaitWatched(key("c", l1), key("c", l2));
    assertThat(f.keys("c/")).hasSize(2);
    waiting.cancel();
    eventually(() -> f.keys("c/").size(), n -> n == 1);
    assertThat(f.keys("c/").get(0).getKey().toStringUtf8()).isEqualTo(key("c", l1));
    eventually(f::watched, List::isEmpty);
  }

  @Test
  void observeSendsTheLeaderThenEachProclamationAndEachNewLeader() throws Exception {
    Calls.Stream<LeaderResponse> observed = Calls.stream(o -> f.electionAsync().observe(
        LeaderRequest.newBuilder().setName(bs("o")).build(), o));
    f.awaitWatched("o/");
    assertThat(observed.messages).isEmpty();

    long l1 = f.grant();
    long l2 = f.grant();
    LeaderKey first = campaign("o", l1, "first").getLeader();
    LeaderResponse elected = observed.next();
    assertThat(elected.getKv().getKey().toStringUtf8()).isEqualTo(key("o", l1));
    assertThat(elected.getKv().getValue().toStringUtf8()).isEqualTo("first");
    assertThat(elected.getHeader().getRevision()).isEqualTo(first.getRev());

    f.election().proclaim(ProclaimRequest.newBuilder().setLeader(first).setValue(bs("again"))
        .build());
    LeaderResponse proclaimed = observed.next();
    assertThat(proclaimed.getKv().getValue().toStringUtf8()).isEqualTo("again");
    assertThat(proclaimed.getHeader().getRevision()).isEqualTo(
        proclaimed.getKv().getModRevision());

    Calls.Pending<CampaignResponse> second = campaignAsync("o", l2, "second");
    // The observer follows the leader key, as the second candidate does.
    f.awaitWatched(key("o", l1), key("o", l1), key("o", l2));
    f.election().resign(ResignRequest.newBuilder().setLeader(first).build());
    join(second.result());
    LeaderResponse next = observed.next();
    assertThat(next.getKv().getKey().toStringUtf8()).isEqualTo(key("o", l2));
    assertThat(next.getKv().getValue().toStringUtf8()).isEqualTo("second");
    assertThat(observed.messages).isEmpty();

    observed.cancel();
    eventually(f::watched, List::isEmpty);
  }

  @Test
  void observeOfAnElectedLeaderSendsItAtOnce() throws Exception {
    long lease = f.grant();
    campaign("now", lease, "v");
    Calls.Stream<LeaderResponse> observed = Calls.stream(o -> f.electionAsync().observe(
        LeaderRequest.newBuilder().setName(bs("now")).build(), o));
    assertThat(observed.next().getKv().getValue().toStringUtf8()).isEqualTo("v");
    observed.cancel();
    eventually(f::watched, List::isEmpty);
  }
}
