package io.kvstore.server.backend;

import static io.kvstore.server.backend.BackendTest.member;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvstore.raft.pb.ConfChange;
import io.kvstore.raft.pb.ConfChangeType;
import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.MemberContext;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Applying committed entries to the backend, and snapshots of it. */
class BackendStateMachineTest {
  @TempDir Path tmp;

  private final List<Map<Long, MemberRecord>> restored = new ArrayList<>();
  private final List<BackendStateMachine> opened = new ArrayList<>();
  /** The requests handed to the applier, by entry index. */
  private final List<Map.Entry<Long, ByteString>> requests = new ArrayList<>();

  @AfterEach
  void closeStateMachines() {
    opened.forEach(BackendStateMachine::close);
  }

  @Test
  void addNodeStoresNameAndPeerUrls() throws IOException {
    BackendStateMachine sm = open("a");

    sm.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_NODE, 7,
        context("m7", "http://127.0.0.1:2380", "http://10.0.0.7:2380")));

    assertThat(sm.appliedIndex()).isEqualTo(1);
    MemberRecord m7 = sm.backend().member(7);
    assertThat(m7.learner()).isFalse();
    assertThat(m7.context().getName()).isEqualTo("m7");
    assertThat(m7.context().getPeerUrlsList())
        .containsExactly("http://127.0.0.1:2380", "http://10.0.0.7:2380");
  }

  @Test
  void addLearnerMarksTheLearner() throws IOException {
    BackendStateMachine sm = open("a");

    sm.apply(confChange(4, ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 8,
        context("m8", "http://127.0.0.1:2390")));

    assertThat(sm.appliedIndex()).isEqualTo(4);
    assertThat(sm.backend().member(8)).isEqualTo(member(8, "m8", "http://127.0.0.1:2390", true));
  }

  @Test
  void promoteWithoutContextKeepsNameAndUrls() throws IOException {
    BackendStateMachine sm = open("a");
    sm.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 8,
        context("m8", "http://127.0.0.1:2390")));

    sm.apply(confChange(2, ConfChangeType.CONF_CHANGE_PROMOTE_LEARNER, 8, ByteString.EMPTY));

    assertThat(sm.appliedIndex()).isEqualTo(2);
    assertThat(sm.backend().member(8)).isEqualTo(member(8, "m8", "http://127.0.0.1:2390", false));
  }

  @Test
  void addNodeWithUrlsButNoNameKeepsTheKnownName() throws IOException {
    BackendStateMachine sm = open("a");
    sm.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 8,
        context("m8", "http://127.0.0.1:2390")));

    sm.apply(confChange(2, ConfChangeType.CONF_CHANGE_ADD_NODE, 8,
        MemberContext.newBuilder().addPeerUrls("http://127.0.0.1:2391").build().toByteString()));

    assertThat(sm.backend().member(8)).isEqualTo(member(8, "m8", "http://127.0.0.1:2391", false));
  }

  @Test
  void removeDeletesTheMember() throws IOException {
    BackendStateMachine sm = open("a");
    sm.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_NODE, 7,
        context("m7", "http://127.0.0.1:2380")));
    sm.apply(confChange(2, ConfChangeType.CONF_CHANGE_ADD_NODE, 8,
        context("m8", "http://127.0.0.1:2390")));

    sm.apply(confChange(3, ConfChangeType.CONF_CHANGE_REMOVE_NODE, 7, ByteString.EMPTY));

    assertThat(sm.appliedIndex()).isEqualTo(3);
    assertThat(sm.backend().members()).containsOnlyKeys(8L);
  }

  @Test
  void emptyEntriesOnlyAdvanceTheAppliedIndexAndRequestsGoToTheApplier() throws IOException {
    BackendStateMachine sm = open("a");
    sm.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_NODE, 7,
        context("m7", "http://127.0.0.1:2380")));
    Map<Long, MemberRecord> before = sm.backend().members();

    sm.apply(Entry.newBuilder().setTerm(2).setIndex(2).build());
    assertThat(sm.appliedIndex()).isEqualTo(2);
    assertThat(requests).isEmpty();
    ByteString request = ByteString.copyFromUtf8("a client request");
    sm.apply(Entry.newBuilder().setTerm(2).setIndex(3).setType(EntryType.ENTRY_NORMAL)
        .setData(request).build());

    assertThat(requests).containsExactly(Map.entry(3L, request));
    assertThat(sm.backend().members()).isEqualTo(before);
  }

  @Test
  void appliedStateSurvivesReopen() throws IOException {
    BackendStateMachine sm = open("a");
    sm.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_NODE, 7,
        context("m7", "http://127.0.0.1:2380")));
    sm.apply(Entry.newBuilder().setTerm(1).setIndex(2).build());
    sm.close();
    opened.remove(sm);

    BackendStateMachine reopened = open("a");

    assertThat(reopened.appliedIndex()).isEqualTo(2);
    assertThat(reopened.backend().member(7)).isEqualTo(member(7, "m7", "http://127.0.0.1:2380",
        false));
  }

  @Test
  void snapshotRestoresMembersAndAppliedIndexElsewhere() throws IOException {
    BackendStateMachine source = open("source");
    source.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_NODE, 7,
        context("m7", "http://127.0.0.1:2380")));
    source.apply(confChange(2, ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 8,
        context("m8", "http://127.0.0.1:2390")));
    source.apply(Entry.newBuilder().setTerm(3).setIndex(3).build());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    source.snapshot().writeTo(bytes);
    // Applied after the capture, so it must not show up in the snapshot.
    source.apply(confChange(4, ConfChangeType.CONF_CHANGE_REMOVE_NODE, 7, ByteString.EMPTY));
    BackendStateMachine target = open("target");
    target.apply(confChange(1, ConfChangeType.CONF_CHANGE_ADD_NODE, 99,
        context("stale", "http://127.0.0.1:2999")));

    target.restore(SnapshotMetadata.newBuilder().setIndex(3).setTerm(3).build(),
        new ByteArrayInputStream(bytes.toByteArray()));

    Map<Long, MemberRecord> expected = Map.of(
        7L, member(7, "m7", "http://127.0.0.1:2380", false),
        8L, member(8, "m8", "http://127.0.0.1:2390", true));
    assertThat(target.appliedIndex()).isEqualTo(3);
    assertThat(target.backend().members()).isEqualTo(expected);
    assertThat(restored).containsExactly(expected);
    assertThat(listing(tmp.resolve("source-checkpoints"))).isEmpty();
  }

  @Test
  void snapshotCanBeTakenBeforeAnythingIsApplied() throws IOException {
    BackendStateMachine source = open("source");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    source.snapshot().writeTo(bytes);
    BackendStateMachine target = open("target");

    target.restore(SnapshotMetadata.getDefaultInstance(),
        new ByteArrayInputStream(bytes.toByteArray()));

    assertThat(target.appliedIndex()).isZero();
    assertThat(restored).containsExactly(Map.of());
  }

  /** Opens a state machine on {@code <name>-db}, closed after the test; test thread only. */
  private BackendStateMachine open(String name) throws IOException {
    BackendStateMachine sm = new BackendStateMachine(Backend.open(tmp.resolve(name + "-db")),
        BackendView.Swap::swap, (index, data) -> requests.add(Map.entry(index, data)),
        tmp.resolve(name + "-checkpoints"), restored::add);
    opened.add(sm);
    return sm;
  }

  /** A committed conf-change entry; stateless. */
  private static Entry confChange(long index, ConfChangeType type, long nodeId,
      ByteString context) {
    ConfChange cc = ConfChange.newBuilder().setType(type).setNodeId(nodeId).setContext(context)
        .build();
    return Entry.newBuilder().setTerm(1).setIndex(index).setType(EntryType.ENTRY_CONF_CHANGE)
        .setData(cc.toByteString()).build();
  }

  /** A serialized {@code MemberContext}; stateless. */
  private static ByteString context(String name, String... peerUrls) {
    return MemberContext.newBuilder().setName(name).addAllPeerUrls(List.of(peerUrls)).build()
        .toByteString();
  }

  /** The names in a directory; stateless. */
  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }
}
