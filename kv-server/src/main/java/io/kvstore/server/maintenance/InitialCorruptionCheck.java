package io.kvstore.server.maintenance;

import io.grpc.Status;
import io.kvstore.api.etcdserverpb.HashKVResponse;
import io.kvstore.server.MemberIds;
import io.kvstore.server.mvcc.MvccStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --experimental-initial-corrupt-check}: before a member starts Raft or serves
 * clients, it hashes its key space at its current revision and asks every other member for
 * HashKV at that revision. A peer with the same compacted revision and another hash means this
 * member's data (or the peer's) differs, and the member refuses to start ("found data
 * inconsistency with peers"), as etcd does. Peers that cannot answer — down, behind, or
 * compacted differently — are only logged: they cannot be compared now. Stateless.
 */
public final class InitialCorruptionCheck {
  private static final Logger LOG = LoggerFactory.getLogger(InitialCorruptionCheck.class);

  private InitialCorruptionCheck() {}

  /**
   * Runs the check for member {@code selfId} over {@code store}.
   *
   * @throws DataInconsistencyException if a peer's hash differs at the same compacted revision
   */
  public static void run(long selfId, MvccStore store) {
    String self = MemberIds.format(selfId);
    LOG.info("{} starting initial corruption check", self);
    KeySpaceHash.Result mine = KeySpaceHash.hash(store, 0);
    int mismatches = 0;
    for (var e : PeerHashes.at(store, selfId, mine.revision()).entrySet()) {
      String peer = MemberIds.format(e.getKey());
      HashKVResponse theirs = e.getValue().hash();
      if (theirs == null) {
        Status status = e.getValue().failure().getStatus();
        LOG.warn("{} cannot check the hash of peer {} at revision {}: {}", self, peer,
            mine.revision(), status.getDescription() != null ? status.getDescription()
                : status.getCode());
      } else if (theirs.getHash() != mine.hash()) {
        if (theirs.getCompactRevision() == mine.compactRevision()) {
          LOG.error("{}'s hash {} != {}'s hash {} (revision {}, peer revision {}, compact"
              + " revision {})", self, Integer.toUnsignedString(mine.hash()), peer,
              Integer.toUnsignedString(theirs.getHash()), mine.revision(),
              theirs.getHeader().getRevision(), mine.compactRevision());
          mismatches++;
        } else {
          LOG.warn("{} cannot check hash of peer {}: peer has a different compact revision {}"
              + " (revision: {})", self, peer, theirs.getCompactRevision(), mine.revision());
        }
      }
    }
    if (mismatches > 0) {
      throw new DataInconsistencyException(self + " found data inconsistency with peers");
    }
    LOG.info("{} succeeded on initial corruption checking: no corruption", self);
  }

  /** The check found a peer whose key space differs from this member's. */
  public static final class DataInconsistencyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DataInconsistencyException(String message) {
      super(message);
    }
  }
}
