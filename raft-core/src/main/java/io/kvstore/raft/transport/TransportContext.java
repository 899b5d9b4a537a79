package io.kvstore.raft.transport;

import io.kvstore.raft.transport.Transport.Inbound;

/**
 * Immutable; its parts are thread-safe as their own contracts say. What every peer and connection
 * of one started {@link NettyTransport} shares.
 */
record TransportContext(
    NettyTransportConfig config, SnapshotSource source, SnapshotSink sink, Inbound inbound) {}
