package io.kvstore.server.jetcd;

import static io.kvstore.server.jetcd.JetcdCluster.await;
import static io.kvstore.server.jetcd.JetcdCluster.bytes;
import static io.kvstore.server.jetcd.JetcdCluster.eventually;
import static io.kvstore.server.jetcd.JetcdCluster.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd's Lock client against a three-member cluster of real kv-server processes, each locker
 * talking to a different member: the lock key, mutual exclusion with the next waiter served once
 * the holder unlocks, a revoked holder lease releasing the lock, and a waiter whose lease is
 * revoked failing with etcd's session-expired error.
 */
@Timeout(120)
class JetcdLockTest {
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

  /** Waits until {@code count} lockers' keys exist under {@code name}/. */
  private static void awaitLockers(String name, int count) {
    KV kv = members[0].getKVClient();
    eventually(Duration.ofSeconds(15), () -> await(kv.get(bytes(name + "/"),
        GetOption.builder().isPrefix(true).build())).getCount(), n -> n == count);
  }

  @Test
  void theLockGoesToTheNextWaiterOnlyOnceTheHolderUnlocks() throws Exception {
    Lock a = members[0].getLockClient();
    Lock b = members[1].getLockClient();
    long la = grant(members[0]);
    long lb = grant(members[1]);
    LockResponse held = await(a.lock(bytes("res"), la));
    assertThat(text(held.getKey())).isEqualTo("res/" + Long.toHexString(la));
    assertThat(await(members[2].getKVClient().get(held.getKey())).getKvs().get(0)
        .getCreateRevision()).isEqualTo(held.getHeader().getRevision());

    CompletableFuture<LockResponse> waiting = b.lock(bytes("res"), lb);
    awaitLockers("res", 2);
    assertThat(waiting).isNotDone();

    long unlockedAt = await(a.unlock(held.getKey())).getHeader().getRevision();
    LockResponse next = await(waiting);
    assertThat(text(next.getKey())).isEqualTo("res/" + Long.toHexString(lb));
    assertThat(next.getHeader().getRevision()).isGreaterThanOrEqualTo(unlockedAt);
    await(b.unlock(next.getKey()));
    awaitLockers("res", 0);
  }

  @Test
  void revokingTheHoldersLeaseReleasesTheLock() throws Exception {
    long la = grant(members[1]);
    long lb = grant(members[2]);
    await(members[1].getLockClient().lock(bytes("lease-res"), la));
    CompletableFuture<LockResponse> waiting = members[2].getLockClient()
        .lock(bytes("lease-res"), lb);
    awaitLockers("lease-res", 2);
    assertThat(waiting).isNotDone();
    await(members[0].getLeaseClient().revoke(la));
    assertThat(text(await(waiting).getKey())).isEqualTo("lease-res/" + Long.toHexString(lb));
  }

  @Test
  void aWaiterWhoseLeaseIsRevokedFailsWithSessionExpired() throws Exception {
    long la = grant(members[0]);
    long lb = grant(members[1]);
    await(members[0].getLockClient().lock(bytes("exp-res"), la));
    CompletableFuture<LockResponse> waiting = members[1].getLockClient()
        .lock(bytes("exp-res"), lb);
    awaitLockers("exp-res", 2);
    await(members[2].getLeaseClient().revoke(lb));
    Throwable expired = catchThrowable(() -> await(waiting));
    assertThat(expired).isInstanceOf(ExecutionException.class)
        .hasStackTraceContaining("mutex: session is expired");
    await(members[0].getLeaseClient().revoke(la));
  }
}
