package io.kvstore.raft.node;

import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfState;

/**
 * Told of every applied membership change, on the node's event loop, after the Raft
 * configuration and the transport were updated. kv-server records member URLs here.
 */
@FunctionalInterface
public interface MembershipListener {
  void onConfChange(ConfChange change, ConfState newState);
}
