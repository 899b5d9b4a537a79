package io.kvstore.raft.tracker;

/** How the leader is currently replicating to one follower. */
public enum ProgressState {
  /** One append at a time until the follower's match index is found. */
  PROBE,
  /** Optimistic pipelined appends within the inflight window. */
  REPLICATE,
  /** A snapshot is on its way; appends wait until it is reported. */
  SNAPSHOT
}
