package io.kvstore.raft.core;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.HardState;

/** The state a node restarts from. Immutable. */
public record InitialState(HardState hardState, ConfState confState) {}
