package io.kvstore.raft.core;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.Snapshot;
import java.util.List;

/**
 * What the driver must do next, as etcd-io/raft's {@code Ready}. Immutable.
 *
 * <p>The driver handles it in this order: persist {@code snapshot} (if not null), {@code entries}
 * and {@code hardState} (if not null) in one synced write when {@code mustSync}; then send {@code
 * messages}; then apply {@code committedEntries} in order; then serve {@code readStates} once
 * applied; finally call {@link RawNode#advance(Ready)}.
 *
 * @param softState the new leader and role, or null if unchanged
 * @param hardState the new term, vote and commit, or null if unchanged
 * @param readStates reads confirmed since the last Ready
 * @param entries entries to append to stable storage
 * @param snapshot a snapshot to install, or null
 * @param committedEntries entries to apply, all previously persisted
 * @param messages messages to send after the above are persisted
 * @param mustSync whether the write must be synced (term, vote or entries changed)
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    List<ReadState> readStates,
    List<Entry> entries,
    Snapshot snapshot,
    List<Entry> committedEntries,
    List<Message> messages,
    boolean mustSync) {}
