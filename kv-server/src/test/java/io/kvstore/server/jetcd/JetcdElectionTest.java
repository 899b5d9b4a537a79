package io.kvstore.server.jetcd;

import static io.kvstore.server.jetcd.JetcdCluster.await;
import static io.kvstore.server.jetcd.JetcdCluster.bytes;
import static io.kvstore.server.jetcd.JetcdCluster.eventually;
import static io.kvstore.server.jetcd.JetcdCluster.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.options.GetOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's Election client against a three-member cluster of real kv-server processes, each
 * candidate talking to a different member: campaign, leader, proclaim, resign handing the
 * leadership to the waiting candidate, a revoked lease doing the same, Observe following every
 * change, and etcd's errors as jetcd's NoLeaderException and NotLeaderException.
 */
@Timeout(120)
class JetcdElectionTest {
  @TempDir static Path tmp;
  private static JetcdCluster cluster;
  private static Client[] members;

  @BeforeAll
  static void startCluster() {
    cluster = JetcdCluster.start(tmp, 3);
    members = new Client[3];
    for (int i = 0; i < 3; i++) {
      members[i] = cluster.client(Client.builder().endpoints(cluster.endpoint(i)));
    }
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long grant(Client c) throws Exception {
    return await(c.getLeaseClient().grant(60)).getID();
  }

  /** Waits until {@code count} candidates' keys exist under {@code name}/. */
  private static void awaitCandidates(String name, int count) {
    KV kv = members[0].getKVClient();
    eventually(Duration.ofSeconds(15), () -> await(kv.get(bytes(name + "/"),
        GetOption.builder().isPrefix(true).build())).getCount(), n -> n == count);
  }

  @Test
  void campaignProclaimAndResignHandTheLeadershipOnInCampaignOrder() throws Exception {
    Election first = members[0].getElectionClient();
    Election second = members[1].getElectionClient();
    long l1 = grant(members[0]);
    long l2 = grant(members[1]);

    CampaignResponse won = await(first.campaign(bytes("job"), l1, bytes("node-1")));
    LeaderKey leader = won.getLeader();
    assertThat(text(leader.getKey())).isEqualTo("job/" + Long.toHexString(l1));
    assertThat(leader.getLease()).isEqualTo(l1);
    assertThat(leader.getRevision()).isEqualTo(won.getHeader().getRevision());
    LeaderResponse current = await(members[2].getElectionClient().leader(bytes("job")));
    assertThat(text(current.getKv().getValue())).isEqualTo("node-1");
    assertThat(current.getKv().getCreateRevision()).isEqualTo(leader.getRevision());

    await(first.proclaim(leader, bytes("node-1b")));
    assertThat(text(await(second.leader(bytes("job"))).getKv().getValue()))
        .isEqualTo("node-1b");

    CompletableFuture<CampaignResponse> waiting = second.campaign(bytes("job"), l2,
        bytes("node-2"));
    awaitCandidates("job", 2);
    assertThat(waiting).isNotDone();

    await(first.resign(leader));
    LeaderKey next = await(waiting).getLeader();
    assertThat(text(next.getKey())).isEqualTo("job/" + Long.toHexString(l2));
    assertThat(text(await(first.leader(bytes("job"))).getKv().getValue())).isEqualTo("node-2");

    Throwable stale = catchThrowable(() -> await(first.proclaim(leader, bytes("again"))));
    assertThat(stale).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotLeaderException.class);
    await(second.resign(next));
    Throwable none = catchThrowable(() -> await(first.leader(bytes("job"))));
    assertThat(none).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NoLeaderException.class);
  }

  @Test
  void revokingTheLeadersLeaseElectsTheWaitingCandidate() throws Exception {
    long l1 = grant(members[1]);
    long l2 = grant(members[2]);
    await(members[1].getElectionClient().campaign(bytes("lease-job"), l1, bytes("a")));
    CompletableFuture<CampaignResponse> waiting = members[2].getElectionClient()
        .campaign(bytes("lease-job"), l2, bytes("b"));
    awaitCandidates("lease-job", 2);
    assertThat(waiting).isNotDone();
    await(members[0].getLeaseClient().revoke(l1));
    assertThat(text(await(waiting).getLeader().getKey()))
        .isEqualTo("lease-job/" + Long.toHexString(l2));
  }

  @Test
  void observeReportsTheLeaderAndEveryProclamation() throws Exception {
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    Election observer = members[2].getElectionClient();
    observer.observe(bytes("watched"), new Election.Listener() {
      @Override
      public void onNext(LeaderResponse r) {
        seen.add(text(r.getKv().getKey()) + "=" + text(r.getKv().getValue()));
      }

      @Override
      public void onError(Throwable t) {
        failed.complete(t);
      }

      @Override
      public void onCompleted() {
        failed.complete(null);
      }
    });
    long lease = grant(members[0]);
    String key = "watched/" + Long.toHexString(lease);
    LeaderKey leader = await(members[0].getElectionClient().campaign(bytes("watched"), lease,
        bytes("v1"))).getLeader();
    assertThat(seen.poll(15, TimeUnit.SECONDS)).isEqualTo(key + "=v1");
    await(members[1].getElectionClient().proclaim(leader, bytes("v2")));
    assertThat(seen.poll(15, TimeUnit.SECONDS)).isEqualTo(key + "=v2");
    assertThat(failed).isNotDone();
  }

  @Test
  void campaignWithAnUnknownLeaseFailsWithLeaseNotFound() {
    Throwable refused = catchThrowable(() -> await(members[0].getElectionClient()
        .campaign(bytes("nolease"), 0x1234, bytes("v"))));
    assertThat(refused).isInstanceOf(ExecutionException.class)
        .hasStackTraceContaining("etcdserver: requested lease not found");
  }
}
