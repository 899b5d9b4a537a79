package io.kvstore.server.backend;

import static io.kvstore.server.backend.BackendTest.member;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing the backend from a snapshot is atomic across crashes. Each crash point of {@link
 * Backend#replace} is simulated by laying out the sibling directories by hand, as the crash would
 * have left them, then checking what {@link Backend#open} makes of them.
 */
class BackendRestoreTest {
  private static final long OLD_INDEX = 5;
  private static final long NEW_INDEX = 9;

  @TempDir Path tmp;
  private Path db;
  private Path incoming;
  private Path complete;
  private Path old;

  @BeforeEach
  void layOutPaths() {
    db = tmp.resolve("db");
    incoming = tmp.resolve("db.incoming");
    complete = tmp.resolve("db.incoming.complete");
    old = tmp.resolve("db.old");
  }

  @Test
  void replaceSwapsInTheArchiveAndLeavesNoSiblings() throws IOException {
    writeBackend(db, OLD_INDEX, "old");

    try (Backend backend = Backend.replace(db, new ByteArrayInputStream(newArchive()))) {
      assertNewState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void crashAfterMarkingCompleteFinishesTheSwapAtOpen() throws IOException {
    writeBackend(db, OLD_INDEX, "old");
    checkpointInto(incoming, NEW_INDEX, "new");
    Files.createFile(complete);

    try (Backend backend = Backend.open(db)) {
      assertNewState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void crashBetweenTheTwoRenamesFinishesTheSwapAtOpen() throws IOException {
    writeBackend(old, OLD_INDEX, "old");
    checkpointInto(incoming, NEW_INDEX, "new");
    Files.createFile(complete);

    try (Backend backend = Backend.open(db)) {
      assertNewState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void crashAfterTheSecondRenameKeepsTheNewStateAndCleansUp() throws IOException {
    writeBackend(old, OLD_INDEX, "old");
    checkpointInto(db, NEW_INDEX, "new");
    Files.createFile(complete);

    try (Backend backend = Backend.open(db)) {
      assertNewState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void incomingWithoutMarkerIsDiscardedAndTheOldStateKept() throws IOException {
    writeBackend(db, OLD_INDEX, "old");
    checkpointInto(incoming, NEW_INDEX, "new");

    try (Backend backend = Backend.open(db)) {
      assertOldState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void markerWithoutIncomingIsDiscardedAndTheOldStateKept() throws IOException {
    writeBackend(db, OLD_INDEX, "old");
    Files.createFile(complete);

    try (Backend backend = Backend.open(db)) {
      assertOldState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void missingDbWithOldPresentIsRolledBack() throws IOException {
    writeBackend(old, OLD_INDEX, "old");

    try (Backend backend = Backend.open(db)) {
      assertOldState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void truncatedArchiveFailsAndLeavesTheOldBackendOpenable() throws IOException {
    byte[] archive = newArchive();
    writeBackend(db, OLD_INDEX, "old");
    for (int cut : new int[] {0, 3, 10, archive.length / 2, archive.length - 1}) {
      byte[] truncated = Arrays.copyOf(archive, cut);

      assertThatThrownBy(() -> Backend.replace(db, new ByteArrayInputStream(truncated)))
          .as("archive cut at %d of %d bytes", cut, archive.length)
          .isInstanceOf(IOException.class);

      assertThat(Files.exists(complete)).as("marker after a cut at %d", cut).isFalse();
      try (Backend backend = Backend.open(db)) {
        assertOldState(backend);
      }
      assertOnlyDbRemains();
    }
  }

  @Test
  void stateMachineRestoreFromATruncatedArchiveFailsAndTheOldStateReopens() throws IOException {
    byte[] archive = newArchive();
    writeBackend(db, OLD_INDEX, "old");
    BackendStateMachine sm = new BackendStateMachine(Backend.open(db), BackendView.Swap::swap,
        (index, data) -> { },
        tmp.resolve("checkpoints"), members -> { });
    SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(NEW_INDEX).build();

    assertThatThrownBy(() -> sm.restore(meta,
        new ByteArrayInputStream(Arrays.copyOf(archive, archive.length / 2))))
        .isInstanceOf(IOException.class);
    sm.close();

    try (Backend backend = Backend.open(db)) {
      assertOldState(backend);
    }
    assertOnlyDbRemains();
  }

  @Test
  void archiveNamingAFileOutsideTheDirectoryIsRefused() throws IOException {
    writeBackend(db, OLD_INDEX, "old");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    byte[] name = "../escaped".getBytes(StandardCharsets.UTF_8);
    out.writeInt(name.length);
    out.write(name);
    out.writeLong(1);
    out.write('x');
    out.writeInt(-1);

    assertThatThrownBy(() -> Backend.replace(db, new ByteArrayInputStream(bytes.toByteArray())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad file name '../escaped'");

    assertThat(tmp.resolve("escaped")).doesNotExist();
    try (Backend backend = Backend.open(db)) {
      assertOldState(backend);
    }
  }

  /** A packed checkpoint of a backend applied up to {@link #NEW_INDEX}; test thread only. */
  private byte[] newArchive() throws IOException {
    Path source = tmp.resolve("source");
    Path checkpoint = tmp.resolve("source-checkpoint");
    checkpointInto(checkpoint, NEW_INDEX, "new");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CheckpointArchive.pack(checkpoint, bytes);
    Backend.deleteRecursively(checkpoint);
    Backend.deleteRecursively(source);
    return bytes.toByteArray();
  }

  /** Writes a closed backend in {@code dir} holding member {@code name} (id 1); stateless. */
  private static void writeBackend(Path dir, long appliedIndex, String name) {
    try (Backend backend = Backend.open(dir)) {
      backend.putMember(appliedIndex, member(1, name, "http://127.0.0.1:2380", false));
    }
  }

  /** Writes a backend beside the test's paths, then checkpoints it into {@code target}. */
  private void checkpointInto(Path target, long appliedIndex, String name) {
    Path source = tmp.resolve("source");
    writeBackend(source, appliedIndex, name);
    try (Backend backend = Backend.open(source)) {
      backend.checkpoint(target);
    }
  }

  private static void assertOldState(Backend backend) {
    assertThat(backend.appliedIndex()).isEqualTo(OLD_INDEX);
    assertThat(backend.member(1).context().getName()).isEqualTo("old");
  }

  private static void assertNewState(Backend backend) {
    assertThat(backend.appliedIndex()).isEqualTo(NEW_INDEX);
    assertThat(backend.member(1).context().getName()).isEqualTo("new");
  }

  private void assertOnlyDbRemains() throws IOException {
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .filteredOn(n -> n.startsWith("db"))
          .containsExactly("db");
    }
  }
}
