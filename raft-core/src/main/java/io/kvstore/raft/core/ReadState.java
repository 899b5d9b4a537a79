package io.kvstore.raft.core;

import com.google.protobuf.ByteString;

/**
 * A confirmed read: once the state machine has applied {@code index}, a read tagged with
 * {@code requestContext} may be served and is linearizable. Immutable.
 */
public record ReadState(long index, ByteString requestContext) {}
