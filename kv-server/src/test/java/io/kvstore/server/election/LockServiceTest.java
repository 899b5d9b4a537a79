package io.kvstore.server.election;

import static io.kvstore.server.election.RecipeFixture.bs;
import static io.kvstore.server.election.RecipeFixture.eventually;
import static io.kvstore.server.election.RecipeFixture.join;
import static io.kvstore.server.election.RecipeFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.api.v3lockpb.LockRequest;
import io.kvstore.api.v3lockpb.LockResponse;
import io.kvstore.api.v3lockpb.UnlockRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lock service's semantics over a real MVCC store and watch hub, in-process: the lock goes to
 * waiters in create-revision order as holders unlock or lose their lease; a waiter whose lease is
 * revoked fails with etcd 3.5's session-expired error; a cancelled waiter leaves no key and no
 * watch.
 */
@Timeout(60)
class LockServiceTest {
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

  private LockResponse lock(String name, long lease) {
    return f.lock().lock(LockRequest.newBuilder().setName(bs(name)).setLease(lease).build());
  }

  private Calls.Pending<LockResponse> lockAsync(String name, long lease) {
    return Calls.unary(o -> f.lockAsync().lock(
        LockRequest.newBuilder().setName(bs(name)).setLease(lease).build(), o));
  }

  private void unlock(ByteString key) {
    f.lock().unlock(UnlockRequest.newBuilder().setKey(key).build());
  }

  @Test
  void anUncontendedLockIsTakenAtOnceWithTheKeysCreateRevision() {
    long lease = f.grant();
    LockResponse r = lock("m", lease);
    assertThat(r.getKey().toStringUtf8()).isEqualTo(key("m", lease));
    KeyValue kv = f.keys("m/").get(0);
    assertThat(kv.getValue()).isEmpty();
    assertThat(kv.getLease()).isEqualTo(lease);
    assertThat(r.getHeader().getRevision()).isEqualTo(kv.getCreateRevision());
    // The holder locking again is answered at once, with the same key.
    assertThat(lock("m", lease).getKey()).isEqualTo(r.getKey());
    unlock(r.getKey());
    assertThat(f.keys("m/")).isEmpty();
    assertThat(f.watched()).isEmpty();
  }

  @Test
  void waitersGetTheLockInCreateRevisionOrder() throws Exception {
    long l1 = f.grant();
    long l2 = f.grant();
    long l3 = f.grant();
    LockResponse first = lock("fifo", l1);
    Calls.Pending<LockResponse> second = lockAsync("fifo", l2);
    f.awaitWatched(key("fifo", l1), key("fifo", l2));
    Calls.Pending<LockResponse> third = lockAsync("fifo", l3);
    // Each waiter watches its own key (for its loss) and its latest predecessor, nothing more.
    f.awaitWatched(key("fifo", l1), key("fifo", l2), key("fifo", l2), key("fifo", l3));
    assertThat(second.result()).isNotDone();
    assertThat(third.result()).isNotDone();

    unlock(first.getKey());
    LockResponse got = join(second.result());
    assertThat(got.getKey().toStringUtf8()).isEqualTo(key("fifo", l2));
    // Answered with the header of the read that found it first: after the unlock.
    assertThat(got.getHeader().getRevision()).isGreaterThan(first.getHeader().getRevision());
    f.awaitWatched(key("fifo", l2), key("fifo", l3));
    assertThat(third.result()).isNotDone();

    unlock(got.getKey());
    assertThat(join(third.result()).getKey().toStringUtf8()).isEqualTo(key("fifo", l3));
    assertThat(f.watched()).isEmpty();
  }

  @Test
  void revokingTheHoldersLeaseReleasesTheLock() {
    long l1 = f.grant();
    long l2 = f.grant();
    lock("lease", l1);
    Calls.Pending<LockResponse> next = lockAsync("lease", l2);
    f.awaitWatched(key("lease", l1), key("lease", l2));
    f.revoke(l1);
    assertThat(join(next.result()).getKey().toStringUtf8()).isEqualTo(key("lease", l2));
  }

  @Test
  void aWaiterWhoseLeaseIsRevokedFailsWithSessionExpired() {
    long l1 = f.grant();
    long l2 = f.grant();
    lock("exp", l1);
    Calls.Pending<LockResponse> waiting = lockAsync("exp", l2);
    f.awaitWatched(key("exp", l1), key("exp", l2));
    f.revoke(l2);
    Status expired = Calls.status(catchThrowable(() -> waiting.result().get(20,
        TimeUnit.SECONDS)));
    assertThat(expired.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(expired.getDescription()).isEqualTo("mutex: session is expired");
    assertThat(f.watched()).isEmpty();
    assertThat(f.keys("exp/")).extracting(kv -> kv.getKey().toStringUtf8())
        .containsExactly(key("exp", l1));
  }

  @Test
  void aCancelledWaiterDeletesItsKeyAndLeavesNoWatch() {
    long l1 = f.grant();
    long l2 = f.grant();
    lock("cancel", l1);
    Calls.Pending<LockResponse> waiting = lockAsync("cancel", l2);
    f.awaitWatched(key("cancel", l1), key("cancel", l2));
    waiting.cancel();
    eventually(() -> f.keys("cancel/").size(), n -> n == 1);
    eventually(f::watched, List::isEmpty);
  }

  @Test
  void anUnknownLeaseIsRefusedAndUnlockOfAnAbsentKeyIsNoError() {
    Status refused = Calls.status(catchThrowable(() -> lock("x", 0x4321)));
    assertThat(refused.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(refused.getDescription()).isEqualTo("etcdserver: requested lease not found");
    unlock(bs("x/4321"));
    assertThat(f.keys("x/")).isEmpty();
  }
}
