package io.kvstore.raft.core;

/** Volatile state worth reporting but not persisting: the known leader (0 if none) and role. */
public record SoftState(long lead, StateType state) {}
