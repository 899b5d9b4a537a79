package io.kvstore.server.maintenance;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kvstore.api.etcdserverpb.HashKVRequest;
import io.kvstore.api.etcdserverpb.HashKVResponse;
import io.kvstore.api.etcdserverpb.MaintenanceGrpc;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.mvcc.MvccStore;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Asks the other members of the cluster, as this member's backend lists them, for their HashKV
 * at one revision, over their first client URL (etcd asks over the peer URLs; the answer is the
 * same). Stateless.
 */
final class PeerHashes {
  private static final long DEADLINE_SECONDS = 5;

  /** One member's answer, or the failure of the call ({@code failure} set, {@code hash} null). */
  record Answer(HashKVResponse hash, StatusRuntimeException failure) {}

  private PeerHashes() {}

  /** The answers of every other member with a client URL, by member id. */
  static Map<Long, Answer> at(MvccStore store, long selfId, long revision) {
    Map<Long, MemberRecord> members =
        store.readBackend((backend, rev, compacted) -> backend.members());
    Map<Long, Answer> answers = new LinkedHashMap<>();
    members.forEach((id, member) -> {
      if (id == selfId || member.context().getClientUrlsCount() == 0) {
        return;
      }
      URI url = URI.create(member.context().getClientUrls(0));
      try {
        answers.put(id, new Answer(hashKv(url, revision), null));
      } catch (StatusRuntimeException e) {
        answers.put(id, new Answer(null, e));
      }
    });
    return answers;
  }

  private static HashKVResponse hashKv(URI peer, long revision) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(peer.getHost(), peer.getPort())
        .usePlaintext().build();
    try {
      return MaintenanceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
    } finally {
      channel.shutdownNow();
    }
  }
}
