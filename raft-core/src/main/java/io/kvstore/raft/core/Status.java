package io.kvstore.raft.core;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.HardState;
import java.util.Map;

/**
 * A snapshot of a member's Raft state for reporting. Immutable.
 *
 * @param progress each member's match index as this leader sees it (empty unless leader)
 */
public record Status(
    long id,
    HardState hardState,
    SoftState softState,
    long applied,
    long lastIndex,
    ConfState confState,
    long leadTransferee,
    Map<Long, Long> progress) {}
