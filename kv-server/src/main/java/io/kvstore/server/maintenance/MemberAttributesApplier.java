package io.kvstore.server.maintenance;

import io.kvstore.raft.pb.MemberContext;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.WriteTxn;
import io.kvstore.server.pb.MemberAttributes;

/**
 * Applies what a member publishes about itself once it runs — its name and client URLs — to its
 * member record, as etcd applies {@code ClusterMemberAttrSetRequest}; a member removed meanwhile
 * is left alone.
 *
 * <p>Thread-safety: called on the Raft apply thread only.
 */
public final class MemberAttributesApplier {
  private final MvccStore store;

  public MemberAttributesApplier(MvccStore store) {
    this.store = store;
  }

  /** Writes the attributes into the entry's batch; returns null (nothing waits for a value). */
  public Object apply(WriteTxn txn, MemberAttributes attributes) {
    MemberRecord current =
        store.readBackend((backend, rev, compacted) -> backend.member(attributes.getMemberId()));
    if (current != null) {
      MemberContext context = current.context().toBuilder().setName(attributes.getName())
          .clearClientUrls().addAllClientUrls(attributes.getClientUrlsList()).build();
      txn.batch().putMember(new MemberRecord(current.id(), context, current.learner()));
    }
    return null;
  }
}
