package io.kvstore.server.backend;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.core.RawNode;
import io.kvstore.raft.node.StateMachine;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.MemberContext;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The kv-server's replicated state machine over a {@link Backend}: applies membership changes to
 * the member list and records every entry's index as applied in the same write. Snapshots are
 * RocksDB checkpoints, taken in apply order (hard links, so cheap) and packed on another thread.
 *
 * <p>A restored snapshot replaces the backend through the {@link BackendView} (the MVCC store),
 * which keeps its readers off the backend meanwhile and rebuilds its index from the new one.
 *
 * <p>Thread-safety: {@link #apply}, {@link #snapshot} and {@link #restore} are called by one
 * thread at a time, in log order (the Raft node's applier, or its loop while the applier is idle);
 * {@link #backend()} may be read from any thread.
 */
public final class BackendStateMachine implements StateMachine, AutoCloseable {
  private final Path checkpoints;
  private final Consumer<Map<Long, MemberRecord>> membersRestored;
  private final BackendView view;
  private final RequestApplier requests;
  private volatile Backend backend;
  private long checkpointSeq;

  /**
   * @param view the state derived from {@code backend} (the MVCC store), rebuilt on restore
   * @param requests applies the client requests that normal entries carry
   * @param membersRestored told the whole member list after a snapshot replaced it, so the
   *     transport learns the addresses of members added while this one was behind
   */
  public BackendStateMachine(Backend backend, BackendView view, RequestApplier requests,
      Path checkpoints, Consumer<Map<Long, MemberRecord>> membersRestored) throws IOException {
    this.backend = backend;
    this.view = view;
    this.requests = requests;
    this.checkpoints = checkpoints;
    this.membersRestored = membersRestored;
    Backend.deleteRecursively(checkpoints);
    Files.createDirectories(checkpoints);
  }

  public Backend backend() {
    return backend;
  }

  @Override
  public long appliedIndex() {
    return backend.appliedIndex();
  }

  @Override
  public Object apply(Entry entry) {
    if (entry.getType() != EntryType.ENTRY_CONF_CHANGE) {
      if (entry.getData().isEmpty()) {
        backend.markApplied(entry.getIndex());
      } else {
        requests.apply(entry.getIndex(), entry.getData());
      }
      return null;
    }
    ConfChange cc = RawNode.confChangeOf(entry);
    long id = cc.getNodeId();
    switch (cc.getType()) {
      case CONF_CHANGE_REMOVE_NODE -> backend.removeMember(entry.getIndex(), id);
      case CONF_CHANGE_ADD_NODE, CONF_CHANGE_ADD_LEARNER_NODE, CONF_CHANGE_PROMOTE_LEARNER -> {
        MemberRecord existing = backend.member(id);
        MemberContext ctx = contextOf(cc, existing);
        boolean learner = cc.getType() == ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE;
        backend.putMember(entry.getIndex(), new MemberRecord(id, ctx, learner));
      }
      default -> backend.markApplied(entry.getIndex());
    }
    return null;
  }

  /** The change's context, or what is already known of the member if it carries none. */
  private static MemberContext contextOf(ConfChange cc, MemberRecord existing) {
    if (!cc.getContext().isEmpty()) {
      try {
        MemberContext ctx = MemberContext.parseFrom(cc.getContext());
        if (existing != null && ctx.getName().isEmpty()) {
          return ctx.toBuilder().setName(existing.context().getName()).build();
        }
        return ctx;
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("conf change for " + Long.toHexString(cc.getNodeId())
            + " has an unreadable member context", e);
      }
    }
    return existing != null ? existing.context() : MemberContext.getDefaultInstance();
  }

  @Override
  public SnapshotWriter snapshot() throws IOException {
    Path dir = checkpoints.resolve("checkpoint-" + (++checkpointSeq));
    backend.checkpoint(dir);
    return out -> {
      try {
        CheckpointArchive.pack(dir, out);
      } finally {
        Backend.deleteRecursively(dir);
      }
    };
  }

  @Override
  public void restore(SnapshotMetadata metadata, InputStream data) throws IOException {
    Backend current = backend;
    Path dir = current.directory();
    backend = view.replaceBackend(() -> {
      current.close();
      return Backend.replace(dir, data);
    });
    if (backend.appliedIndex() != metadata.getIndex()) {
      throw new IllegalStateException("snapshot " + metadata.getIndex()
          + " holds a backend applied up to " + backend.appliedIndex());
    }
    membersRestored.accept(backend.members());
  }

  @Override
  public void close() {
    backend.close();
  }
}
