package io.kvstore.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvstore.raft.pb.ConfState;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  @TempDir Path root;

  static SnapshotMetadata meta(long term, long index) {
    return SnapshotMetadata.newBuilder()
        .setTerm(term)
        .setIndex(index)
        .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3))
        .build();
  }

  static byte[] data(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] readData(SnapshotStore store, SnapshotMetadata meta) throws IOException {
    try (InputStream in = store.openData(meta)) {
      return in.readAllBytes();
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x10);
    }
  }

  @Test
  void savesAndReadsBack() throws IOException {
    SnapshotStore store = new SnapshotStore(root.resolve("snap"), 2);
    assertThat(store.latest()).isEmpty();
    byte[] data = data(200_000, 1);
    store.save(meta(2, 10), out -> out.write(data));
    assertThat(store.latest()).contains(meta(2, 10));
    assertThat(readData(store, meta(2, 10))).isEqualTo(data);
    Path file = store.file(2, 10).orElseThrow();
    assertThat(file.getFileName()).hasToString("0000000000000002-000000000000000a.snap");
    assertThat(store.size(2, 10)).isEqualTo(Files.size(file));
    assertThat(store.file(2, 11)).isEmpty();
  }

  @Test
  void emptyDataAndWriterThatClosesTheStreamWork() throws IOException {
    SnapshotStore store = new SnapshotStore(root, 1);
    store.save(meta(1, 1), out -> out.close());
    assertThat(readData(store, meta(1, 1))).isEmpty();
  }

  @Test
  void keepsOnlyTheNewestRetained() throws IOException {
    SnapshotStore store = new SnapshotStore(root, 2);
    store.save(meta(1, 5), out -> out.write(1));
    store.save(meta(2, 20), out -> out.write(2));
    store.save(meta(2, 12), out -> out.write(3));
    assertThat(names(root))
        .containsExactly(
            "0000000000000002-000000000000000c.snap", "0000000000000002-0000000000000014.snap");
    assertThat(store.latest()).contains(meta(2, 20));
  }

  @Test
  void failingWriterLeavesNothingBehind() throws IOException {
    SnapshotStore store = new SnapshotStore(root, 2);
    store.save(meta(1, 5), out -> out.write(1));
    assertThatThrownBy(
            () ->
                store.save(
                    meta(1, 6),
                    out -> {
                      out.write(2);
                      throw new IOException("checkpoint failed");
                    }))
        .hasMessage("checkpoint failed");
    assertThat(names(root)).containsExactly("0000000000000001-0000000000000005.snap");
  }

  @Test
  void receivesInChunksAndCommits() throws IOException {
    SnapshotStore leader = new SnapshotStore(root.resolve("leader"), 1);
    SnapshotStore follower = new SnapshotStore(root.resolve("follower"), 1);
    byte[] data = data(100_003, 2);
    leader.save(meta(3, 40), out -> out.write(data));
    byte[] file = Files.readAllBytes(leader.file(3, 40).orElseThrow());
    try (SnapshotReceiver r = follower.receive(meta(3, 40))) {
      for (int off = 0; off < file.length; off += 7_001) {
        r.write(ByteBuffer.wrap(file, off, Math.min(7_001, file.length - off)));
      }
      r.commit();
    }
    assertThat(follower.latest()).contains(meta(3, 40));
    assertThat(readData(follower, meta(3, 40))).isEqualTo(data);
    assertThat(names(follower.directory())).containsExactly("0000000000000003-0000000000000028.snap");
  }

  @Test
  void corruptedReceiveIsRejectedAndOldSnapshotKept() throws IOException {
    SnapshotStore leader = new SnapshotStore(root.resolve("leader"), 1);
    SnapshotStore follower = new SnapshotStore(root.resolve("follower"), 1);
    follower.save(meta(1, 10), out -> out.write(new byte[] {7}));
    leader.save(meta(3, 40), out -> out.write(data(5_000, 3)));
    byte[] file = Files.readAllBytes(leader.file(3, 40).orElseThrow());
    file[file.length / 2] ^= 0x01;
    SnapshotReceiver r = follower.receive(meta(3, 40));
    r.write(file);
    assertThatThrownBy(r::commit)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("term 3 index 40")
        .hasMessageContaining("CRC32C mismatch");
    assertThat(follower.latest()).contains(meta(1, 10));
    assertThat(readData(follower, meta(1, 10))).containsExactly(7);
    assertThat(names(follower.directory())).containsExactly("0000000000000001-000000000000000a.snap");
  }

  @Test
  void receiveOfOtherMetadataOrTruncatedFileIsRejected() throws IOException {
    SnapshotStore leader = new SnapshotStore(root.resolve("leader"), 1);
    SnapshotStore follower = new SnapshotStore(root.resolve("follower"), 1);
    leader.save(meta(3, 40), out -> out.write(data(100, 4)));
    byte[] file = Files.readAllBytes(leader.file(3, 40).orElseThrow());
    SnapshotReceiver other = follower.receive(meta(3, 41));
    other.write(file);
    assertThatThrownBy(other::commit).hasMessageContaining("metadata is");
    SnapshotReceiver truncated = follower.receive(meta(3, 40));
    truncated.write(Arrays.copyOf(file, file.length - 3));
    assertThatThrownBy(truncated::commit).isInstanceOf(IOException.class);
    SnapshotReceiver garbage = follower.receive(meta(3, 40));
    garbage.write("not a snapshot".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(garbage::commit).hasMessageContaining("bad magic");
    assertThat(follower.latest()).isEmpty();
    assertThat(names(follower.directory())).isEmpty();
  }

  @Test
  void abortDeletesTheTempFile() throws IOException {
    SnapshotStore store = new SnapshotStore(root, 1);
    SnapshotReceiver r = store.receive(meta(1, 1));
    r.write(new byte[] {1, 2, 3});
    assertThat(names(root)).hasSize(1);
    r.abort();
    r.abort();
    assertThat(names(root)).isEmpty();
    assertThatThrownBy(() -> r.write(new byte[] {4})).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void leftoverTempFileIsIgnoredAndCleanedUp() throws IOException {
    SnapshotStore first = new SnapshotStore(root, 2);
    first.save(meta(1, 5), out -> out.write(5));
    SnapshotReceiver crashed = first.receive(meta(9, 90));
    crashed.write(new byte[] {1, 2, 3});
    assertThat(first.latest()).contains(meta(1, 5));
    SnapshotStore restarted = new SnapshotStore(root, 2);
    assertThat(names(root)).containsExactly("0000000000000001-0000000000000005.snap");
    assertThat(restarted.latest()).contains(meta(1, 5));
  }

  @Test
  void openDataDetectsAFlippedByte() throws IOException {
    SnapshotStore store = new SnapshotStore(root, 1);
    byte[] data = data(50_000, 5);
    store.save(meta(2, 7), out -> out.write(data));
    Path file = store.file(2, 7).orElseThrow();
    flipByte(file, Files.size(file) / 2);
    assertThatThrownBy(() -> readData(store, meta(2, 7)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("CRC32C mismatch");
  }

  @Test
  void openDataRefusesOtherMetadataAndDamagedHeader() throws IOException {
    SnapshotStore store = new SnapshotStore(root, 1);
    store.save(meta(2, 7), out -> out.write(1));
    SnapshotMetadata otherConf = meta(2, 7).toBuilder().setConfState(ConfState.getDefaultInstance()).build();
    assertThatThrownBy(() -> store.openData(otherConf)).hasMessageContaining("metadata is");
    Path file = store.file(2, 7).orElseThrow();
    flipByte(file, 0);
    assertThatThrownBy(store::latest).hasMessageContaining(file.toString()).hasMessageContaining("bad magic");
  }
}
