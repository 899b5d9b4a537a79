package io.kvstore.raft.storage;

import com.google.protobuf.TextFormat;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * A directory of snapshot files in {@link SnapshotFormat}, of which the newest {@code retain}
 * (by index) are kept. Thread-safety: safe for concurrent use; each writer ({@link #save}, a
 * {@link SnapshotReceiver}) fills its own temp file, and publishing (rename, directory sync,
 * purge) and {@link #latest()} are serialized on this object. A file appears only by an atomic
 * rename after it was synced, so readers never see a partial one, and a stream already opened
 * keeps reading its file even if it is purged or replaced. One store per directory: the
 * constructor deletes temp files left by a crash.
 */
public final class SnapshotStore {
  private static final int BUFFER_BYTES = 1 << 16;
  private static final Comparator<SnapshotFormat.Name> NEWEST_FIRST =
      Comparator.comparingLong(SnapshotFormat.Name::index)
          .thenComparingLong(SnapshotFormat.Name::term)
          .reversed();

  private final Path dir;
  /** At least 1. */
  private final int retain;

  /**
   * Opens (creating it if needed) the snapshot directory {@code dir}, keeping the newest {@code
   * retain} snapshots, and deletes temp files left by an interrupted save or receive.
   */
  public SnapshotStore(Path dir, int retain) throws IOException {
    if (retain < 1) {
      throw new IllegalArgumentException("retain must be >= 1, was " + retain);
    }
    this.dir = dir;
    this.retain = retain;
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (f.getFileName().toString().endsWith(SnapshotFormat.TEMP_SUFFIX)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  public Path directory() {
    return dir;
  }

  /**
   * Writes a snapshot: header, then what {@code writer} writes, then the CRC32C, into a temp file
   * that is synced and atomically renamed; then purges all but the newest {@code retain}. If
   * anything fails the temp file is deleted and existing snapshots are untouched.
   */
  public void save(SnapshotMetadata meta, SnapshotWriter writer) throws IOException {
    Path temp = newTempFile(meta);
    boolean published = false;
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        CRC32C crc = new CRC32C();
        OutputStream file = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
        OutputStream checked = new CheckedOutputStream(file, crc);
        checked.write(SnapshotFormat.header(meta));
        writer.writeTo(new Unclosable(checked));
        file.write(ByteBuffer.allocate(SnapshotFormat.TRAILER_BYTES).putInt((int) crc.getValue()).array());
        file.flush();
        channel.force(true);
      }
      publish(temp, meta);
      published = true;
    } finally {
      if (!published) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Starts receiving a snapshot file for {@code meta}, as streamed by a peer. */
  public SnapshotReceiver receive(SnapshotMetadata meta) throws IOException {
    return new SnapshotReceiver(this, meta, newTempFile(meta));
  }

  /**
   * The metadata of the newest snapshot (highest index), read from its header.
   *
   * @throws IOException naming the file if its header is damaged
   */
  public synchronized Optional<SnapshotMetadata> latest() throws IOException {
    Optional<SnapshotFormat.Name> newest = names().stream().min(NEWEST_FIRST);
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    SnapshotFormat.Name name = newest.get();
    Path f = path(name.term(), name.index());
    SnapshotMetadata meta;
    try (InputStream in = Files.newInputStream(f)) {
      meta = SnapshotFormat.readHeader(in, new CRC32C(), f).metadata();
    }
    if (meta.getTerm() != name.term() || meta.getIndex() != name.index()) {
      throw SnapshotFormat.corrupted(
          f, "header says term " + meta.getTerm() + " index " + meta.getIndex());
    }
    return Optional.of(meta);
  }

  /** The whole file of the snapshot at {@code term} and {@code index}, as a peer receives it. */
  public Optional<Path> file(long term, long index) {
    Path f = path(term, index);
    return Files.exists(f) ? Optional.of(f) : Optional.empty();
  }

  /**
   * The size in bytes of the whole snapshot file.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such snapshot
   */
  public long size(long term, long index) throws IOException {
    return Files.size(path(term, index));
  }

  /**
   * The data section of the snapshot {@code meta}; the CRC32C is checked when the last byte is
   * read. The caller closes the stream.
   *
   * @throws IOException naming the file if it is missing, its header is damaged or holds other
   *     metadata, or (while reading) its checksum does not match
   */
  public InputStream openData(SnapshotMetadata meta) throws IOException {
    Path f = path(meta.getTerm(), meta.getIndex());
    FileChannel channel = FileChannel.open(f, StandardOpenOption.READ);
    InputStream in = new BufferedInputStream(Channels.newInputStream(channel), BUFFER_BYTES);
    try {
      long size = channel.size();
      CRC32C crc = new CRC32C();
      SnapshotFormat.Header header = SnapshotFormat.readHeader(in, crc, f);
      if (!header.metadata().equals(meta)) {
        throw SnapshotFormat.corrupted(
            f,
            "metadata is {" + TextFormat.shortDebugString(header.metadata()) + "}, expected {"
                + TextFormat.shortDebugString(meta) + "}");
      }
      long data = size - header.bytes() - SnapshotFormat.TRAILER_BYTES;
      if (data < 0) {
        throw SnapshotFormat.corrupted(f, "truncated: no CRC32C trailer");
      }
      return new SnapshotDataStream(in, f, crc, data);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** Renames a synced temp file into place, syncs the directory and purges old snapshots. */
  synchronized void publish(Path temp, SnapshotMetadata meta) throws IOException {
    Files.move(
        temp,
        path(meta.getTerm(), meta.getIndex()),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
    List<SnapshotFormat.Name> names = names().stream().sorted(NEWEST_FIRST).toList();
    for (SnapshotFormat.Name old : names.subList(Math.min(retain, names.size()), names.size())) {
      Files.deleteIfExists(path(old.term(), old.index()));
    }
  }

  private Path newTempFile(SnapshotMetadata meta) throws IOException {
    return Files.createTempFile(
        dir, SnapshotFormat.fileName(meta.getTerm(), meta.getIndex()) + ".", SnapshotFormat.TEMP_SUFFIX);
  }

  private List<SnapshotFormat.Name> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(f -> SnapshotFormat.parseName(f.getFileName().toString()))
          .flatMap(Optional::stream)
          .toList();
    }
  }

  private Path path(long term, long index) {
    return dir.resolve(SnapshotFormat.fileName(term, index));
  }

  /** Lets a {@link SnapshotWriter} close its stream without closing the file under it. */
  private static final class Unclosable extends FilterOutputStream {
    Unclosable(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
