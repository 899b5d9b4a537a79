package io.kvstore.lease;

/**
 * What a guarded transaction did. Immutable.
 *
 * @param succeeded whether the guard held and the writes were made
 * @param revision the store's revision after the transaction
 */
public record TxnOutcome(boolean succeeded, long revision) {}
