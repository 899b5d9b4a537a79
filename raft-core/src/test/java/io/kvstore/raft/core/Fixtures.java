package io.kvstore.raft.core;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.HardState;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import io.kvstore.raft.pb.Snapshot;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/** Builders shared by the core's tests. Stateless. */
final class Fixtures {
  /** The election tick of {@link Config#defaults}; timeouts fall in [10, 20) ticks. */
  static final int ELECTION_TICK = 10;

  private Fixtures() {}

  /** The algorithm of the paper: no pre-vote, no check-quorum; seeded by the member's id. */
  static Config paperConfig(long id) {
    return paperConfig(id, id);
  }

  static Config paperConfig(long id, long seed) {
    return Config.defaults(id, new SplittableRandom(seed)).withFeatures(false, false);
  }

  /** Members 1..n. */
  static long[] ids(int n) {
    return LongStream.rangeClosed(1, n).toArray();
  }

  static Entry entry(long index, long term) {
    return Entry.newBuilder().setIndex(index).setTerm(term).build();
  }

  static Entry entry(long index, long term, String data) {
    return Entry.newBuilder().setIndex(index).setTerm(term).setData(bytes(data)).build();
  }

  /** Entries with consecutive indexes from {@code first}, one per given term. */
  static List<Entry> entries(long first, long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(entry(first + i, terms[i]));
    }
    return out;
  }

  static HardState hardState(long term, long vote, long commit) {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build();
  }

  /** A bootstrapped storage of the given voters that already holds {@code log} and {@code hs}. */
  static MemoryStorage storage(List<Entry> log, HardState hs, long... voters) {
    MemoryStorage s = MemoryStorage.withVoters(voters);
    s.append(log);
    s.setHardState(hs);
    return s;
  }

  /** A bootstrapped storage of an arbitrary configuration (e.g. with learners). */
  static MemoryStorage storage(ConfState cs) {
    MemoryStorage s = new MemoryStorage();
    s.applySnapshot(Snapshot.newBuilder()
        .setMetadata(SnapshotMetadata.newBuilder().setConfState(cs)).build());
    return s;
  }

  static Snapshot snapshot(long index, long term, long... voters) {
    ConfState.Builder cs = ConfState.newBuilder();
    for (long v : voters) {
      cs.addVoters(v);
    }
    return Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder()
        .setIndex(index).setTerm(term).setConfState(cs)).build();
  }

  static Message.Builder msg(MessageType type, long from, long to, long term) {
    return Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term);
  }

  static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static ConfChange confChange(ConfChangeType type, long nodeId) {
    return ConfChange.newBuilder().setType(type).setNodeId(nodeId).build();
  }

  static List<Message> ofType(List<Message> msgs, MessageType type) {
    return msgs.stream().filter(m -> m.getType() == type).toList();
  }
}
