package io.kvstore.lease;

/**
 * A granted lease. Immutable.
 *
 * @param id the lease id
 * @param ttlSeconds the TTL the store granted (it may raise a too-small request to its minimum)
 */
public record LeaseGrant(long id, long ttlSeconds) {}
