package io.kvstore.raft.quorum;

/** The outcome of an election so far. */
public enum VoteResult {
  /** More votes are needed before the outcome is known. */
  PENDING,
  /** A majority granted the vote. */
  WON,
  /** A majority refused the vote. */
  LOST
}
