package io.kvstore.server.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvstore.raft.pb.MemberContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend on its own: what survives a close and reopen, and what each write records. */
class BackendTest {
  @TempDir Path tmp;

  @Test
  void newBackendIsEmpty() {
    try (Backend backend = Backend.open(tmp.resolve("db"))) {
      assertThat(backend.appliedIndex()).isZero();
      assertThat(backend.members()).isEmpty();
      assertThat(backend.member(1)).isNull();
    }
  }

  @Test
  void appliedIndexAndMembersSurviveReopen() {
    Path dir = tmp.resolve("db");
    MemberRecord m1 = member(1, "m1", "http://127.0.0.1:2380", false);
    MemberRecord m2 = member(2, "m2", "http://127.0.0.1:2390", true);
    try (Backend backend = Backend.open(dir)) {
      backend.putMember(3, m1);
      backend.putMember(4, m2);
      backend.markApplied(7);
    }

    try (Backend backend = Backend.open(dir)) {
      assertThat(backend.appliedIndex()).isEqualTo(7);
      assertThat(backend.members()).containsOnlyKeys(1L, 2L);
      assertThat(backend.member(1)).isEqualTo(m1);
      assertThat(backend.member(2)).isEqualTo(m2);
    }
  }

  @Test
  void putAndRemoveMemberRecordTheAppliedIndexInTheSameWrite() {
    Path dir = tmp.resolve("db");
    try (Backend backend = Backend.open(dir)) {
      backend.putMember(5, member(9, "m9", "http://127.0.0.1:2380", false));
      assertThat(backend.appliedIndex()).isEqualTo(5);
    }
    try (Backend backend = Backend.open(dir)) {
      assertThat(backend.appliedIndex()).isEqualTo(5);
      assertThat(backend.members()).containsOnlyKeys(9L);
      backend.removeMember(6, 9);
      assertThat(backend.appliedIndex()).isEqualTo(6);
    }
    try (Backend backend = Backend.open(dir)) {
      assertThat(backend.appliedIndex()).isEqualTo(6);
      assertThat(backend.members()).isEmpty();
    }
  }

  @Test
  void markAppliedChangesNothingElse() {
    try (Backend backend = Backend.open(tmp.resolve("db"))) {
      MemberRecord m1 = member(1, "m1", "http://127.0.0.1:2380", false);
      backend.putMember(1, m1);
      backend.markApplied(2);

      assertThat(backend.appliedIndex()).isEqualTo(2);
      assertThat(backend.members()).containsExactlyEntriesOf(Map.of(1L, m1));
    }
  }

  /** Builds a member record; stateless. */
  static MemberRecord member(long id, String name, String peerUrl, boolean learner) {
    return new MemberRecord(id,
        MemberContext.newBuilder().setName(name).addPeerUrls(peerUrl).build(), learner);
  }
}
