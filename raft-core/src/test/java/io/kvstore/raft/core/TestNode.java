package io.kvstore.raft.core;

import static io.kvstore.raft.core.Fixtures.bytes;
import static io.kvstore.raft.core.Fixtures.msg;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.Message;
import io.kvstore.raft.pb.MessageType;
import java.util.ArrayList;
import java.util.List;

/**
 * One member run exactly as a driver runs it: for each {@link Ready}, persist (snapshot, entries,
 * hard state) into its {@link MemoryStorage}, hand out the messages, apply committed entries
 * (conf changes included), then advance.
 */
final class TestNode {
  final long id;
  final MemoryStorage storage;
  final RawNode raw;
  /** Every committed entry applied so far, in order. */
  final List<Entry> applied = new ArrayList<>();
  final List<ReadState> readStates = new ArrayList<>();

  TestNode(Config config, MemoryStorage storage) {
    this.id = config.id();
    this.storage = storage;
    this.raw = new RawNode(config, storage);
  }

  /** A fresh member with the paper's algorithm in a cluster of {@code voters}. */
  static TestNode paper(long id, long... voters) {
    return new TestNode(Fixtures.paperConfig(id), MemoryStorage.withVoters(voters));
  }

  /** Handles every pending Ready; returns the messages to send, in order. */
  List<Message> drain() {
    List<Message> out = new ArrayList<>();
    while (raw.hasReady()) {
      out.addAll(handle(raw.ready()));
    }
    return out;
  }

  /** Persists, applies and advances one Ready; returns its messages. */
  List<Message> handle(Ready rd) {
    if (rd.snapshot() != null) {
      storage.applySnapshot(rd.snapshot());
    }
    storage.append(rd.entries());
    if (rd.hardState() != null) {
      storage.setHardState(rd.hardState());
    }
    for (Entry e : rd.committedEntries()) {
      if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
        raw.applyConfChange(RawNode.confChangeOf(e));
      }
      applied.add(e);
    }
    readStates.addAll(rd.readStates());
    raw.advance(rd);
    return rd.messages();
  }

  List<Message> step(Message.Builder m) {
    raw.step(m.build());
    return drain();
  }

  List<Message> propose(String data) {
    raw.propose(bytes(data));
    return drain();
  }

  List<Message> tick(int times) {
    for (int i = 0; i < times; i++) {
      raw.tick();
    }
    return drain();
  }

  /** Campaigns (without pre-vote) and receives a granted vote from each of {@code voters}. */
  List<Message> winElection(long... voters) {
    raw.campaign();
    drain();
    long term = term();
    for (long v : voters) {
      raw.step(msg(MessageType.MSG_VOTE_RESP, v, id, term).build());
    }
    return drain();
  }

  long term() {
    return raw.status().hardState().getTerm();
  }

  long vote() {
    return raw.status().hardState().getVote();
  }

  long committed() {
    return raw.status().hardState().getCommit();
  }

  StateType state() {
    return raw.status().softState().state();
  }

  long lead() {
    return raw.status().softState().lead();
  }

  /** The persisted log after the latest snapshot. */
  List<Entry> log() {
    long first = storage.firstIndex();
    long last = storage.lastIndex();
    return last < first ? List.of() : List.copyOf(storage.entries(first, last + 1, Long.MAX_VALUE));
  }

  /** The payloads of the applied normal entries that carry one. */
  List<ByteString> appliedData() {
    return applied.stream()
        .filter(e -> e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty())
        .map(Entry::getData)
        .toList();
  }
}
