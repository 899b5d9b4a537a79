package io.kvstore.server.maintenance;

import io.kvstore.raft.node.RaftNode;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.pb.InternalRaftRequest;
import io.kvstore.server.pb.MemberAttributes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this member's name and client URLs through Raft once it has a leader, as etcd's
 * {@code publishV3}: until then the member lists with no name (etcd's "unstarted"), and it does
 * not count as started for the strict reconfiguration checks. Retries until the member record
 * shows the attributes; does nothing when a restarted member's record already does.
 * {@link #published()} completes then: etcd announces readiness only after publishing.
 *
 * <p>Thread-safety: one daemon thread; {@link #close} from any thread.
 */
public final class AttributePublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AttributePublisher.class);
  private static final long RETRY_MS = 500;

  private final Thread thread;
  private final CompletableFuture<Void> published = new CompletableFuture<>();

  public AttributePublisher(RaftNode raft, MvccStore store, MemberAttributes attributes,
      Function<InternalRaftRequest.Builder, CompletableFuture<Object>> propose) {
    thread = new Thread(() -> {
      while (!raft.terminated().isDone()) {
        RaftNode.NodeStatus s = raft.status();
        if (s.leaderId() != 0) {
          MemberRecord me = store.readBackend((b, rev, c) -> b.member(attributes.getMemberId()));
          if (me != null && me.context().getName().equals(attributes.getName())
              && me.context().getClientUrlsList().equals(attributes.getClientUrlsList())) {
            LOG.info("published local member to cluster through raft: name {}, client URLs {}",
                attributes.getName(), attributes.getClientUrlsList());
            published.complete(null);
            return;
          }
          try {
            propose.apply(InternalRaftRequest.newBuilder().setMemberAttributes(attributes))
                .get(RETRY_MS * 10, TimeUnit.MILLISECONDS);
            continue;
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            LOG.debug("publishing member attributes failed, retrying: {}", e.toString());
          }
        }
        try {
          TimeUnit.MILLISECONDS.sleep(RETRY_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "kv-server-publish");
    thread.setDaemon(true);
    thread.start();
  }

  /** Completes once the member record carries this member's name and client URLs. */
  public CompletableFuture<Void> published() {
    return published;
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
