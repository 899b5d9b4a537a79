package io.kvstore.raft.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvstore.raft.pb.Entry;
import io.kvstore.raft.pb.EntryType;
import io.kvstore.raft.pb.SnapshotMetadata;
import io.kvstore.raft.storage.SnapshotWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A replicated string map for tests. Commands are the UTF-8 text {@code put <key> <value>} (keys
 * without spaces); applying one returns the key's previous value.
 *
 * <p>Durability: after every applied entry the whole state (applied index, map) is written to a
 * temp file that is then renamed over {@code state.bin}, so the applied index and the data it
 * covers are always replaced together; a restore replaces them the same way. The file is not
 * fsynced: it survives a process crash (which these tests simulate with {@code close()}), not a
 * power loss.
 *
 * <p>Thread-safety: every method is synchronized on this object (an apply stalled on purpose
 * sleeps outside the lock), so the node may apply while test threads inspect.
 */
final class TestKvStateMachine implements StateMachine {
  private static final String PUT = "put";

  private final Path file;
  private final Path temp;
  private Map<String, String> data = new TreeMap<>();
  /** The index of each key's latest put. */
  private Map<String, Long> putIndex = new TreeMap<>();
  private long applied;
  private int restores;
  /** Milliseconds the next apply takes at most, as a huge delete would; 0 for none. */
  private volatile long stallMillis;
  /** Ends a stall early. */
  private volatile CountDownLatch stallEnd = new CountDownLatch(0);

  /** Opens the state kept in {@code dir}, empty if there is none yet. */
  TestKvStateMachine(Path dir) throws IOException {
    Files.createDirectories(dir);
    this.file = dir.resolve("state.bin");
    this.temp = dir.resolve("state.bin.tmp");
    if (Files.exists(file)) {
      try (DataInputStream in = new DataInputStream(
          new BufferedInputStream(Files.newInputStream(file)))) {
        applied = in.readLong();
        readMaps(in);
      }
    }
  }

  /** The command that sets {@code key} to {@code value}. */
  static byte[] put(String key, String value) {
    if (key.contains(" ")) {
      throw new IllegalArgumentException("keys have no spaces: " + key);
    }
    return (PUT + " " + key + " " + value).getBytes(UTF_8);
  }

  @Override
  public synchronized long appliedIndex() {
    return applied;
  }

  /**
   * Makes the next applied entry take {@code millis} longer, as a huge delete would, unless
   * {@link #endStall} ends the wait earlier.
   */
  void stallNextApply(long millis) {
    stallEnd = new CountDownLatch(1);
    stallMillis = millis;
  }

  void endStall() {
    stallEnd.countDown();
  }

  @Override
  public Object apply(Entry entry) {
    long stall = stallMillis;
    if (stall > 0 && entry.getType() == EntryType.ENTRY_NORMAL && !entry.getData().isEmpty()) {
      stallMillis = 0;
      try {
        stallEnd.await(stall, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return applyNow(entry);
  }

  private synchronized Object applyNow(Entry entry) {
    String previous = null;
    if (entry.getType() == EntryType.ENTRY_NORMAL && !entry.getData().isEmpty()) {
      String[] cmd = entry.getData().toStringUtf8().split(" ", 3);
      if (cmd.length != 3 || !cmd[0].equals(PUT)) {
        throw new IllegalArgumentException("not a put command at index " + entry.getIndex());
      }
      previous = data.put(cmd[1], cmd[2]);
      putIndex.put(cmd[1], entry.getIndex());
    }
    applied = entry.getIndex();
    persist();
    return previous;
  }

  @Override
  public synchronized SnapshotWriter snapshot() {
    Map<String, String> dataCopy = new TreeMap<>(data);
    Map<String, Long> indexCopy = new TreeMap<>(putIndex);
    return out -> {
      DataOutputStream dos = new DataOutputStream(out);
      writeMaps(dos, dataCopy, indexCopy);
      dos.flush();
    };
  }

  @Override
  public synchronized void restore(SnapshotMetadata metadata, InputStream in) throws IOException {
    Map<String, String> oldData = data;
    Map<String, Long> oldIndex = putIndex;
    long oldApplied = applied;
    try {
      readMaps(new DataInputStream(in));
      applied = metadata.getIndex();
      persist();
    } catch (IOException | RuntimeException e) {
      data = oldData;
      putIndex = oldIndex;
      applied = oldApplied;
      throw e;
    }
    restores++;
  }

  synchronized String get(String key) {
    return data.get(key);
  }

  /** The index of the entry that last put {@code key}, or 0 if none did. */
  synchronized long putIndex(String key) {
    return putIndex.getOrDefault(key, 0L);
  }

  /** A copy of the whole map. */
  synchronized Map<String, String> contents() {
    return new TreeMap<>(data);
  }

  /** How many snapshots this instance restored. */
  synchronized int restores() {
    return restores;
  }

  private void persist() {
    try {
      try (DataOutputStream out = new DataOutputStream(
          new BufferedOutputStream(Files.newOutputStream(temp)))) {
        out.writeLong(applied);
        writeMaps(out, data, putIndex);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot persist the test state machine in " + file, e);
    }
  }

  private static void writeMaps(DataOutputStream out, Map<String, String> data,
      Map<String, Long> putIndex) throws IOException {
    out.writeInt(data.size());
    for (Map.Entry<String, String> e : data.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeUTF(e.getValue());
      out.writeLong(putIndex.get(e.getKey()));
    }
  }

  private void readMaps(DataInputStream in) throws IOException {
    Map<String, String> newData = new TreeMap<>();
    Map<String, Long> newIndex = new TreeMap<>();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String key = in.readUTF();
      newData.put(key, in.readUTF());
      newIndex.put(key, in.readLong());
    }
    data = newData;
    putIndex = newIndex;
  }
}
