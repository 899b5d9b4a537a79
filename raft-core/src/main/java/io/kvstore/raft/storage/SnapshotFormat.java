package io.kvstore.raft.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.raft.pb.SnapshotMetadata;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The snapshot file format: magic {@code KVSN}, format version (int), metadata length (int), the
 * serialized {@link SnapshotMetadata}, the opaque data, and a CRC32C (int) over everything before
 * it; integers are big-endian. Files are named {@code %016x-%016x.snap} after term and index.
 * Stateless.
 */
final class SnapshotFormat {
  static final int MAGIC = 0x4b56534e;
  static final int VERSION = 1;
  /** Magic, version and metadata length. */
  static final int PREFIX_BYTES = 12;
  static final int TRAILER_BYTES = 4;
  static final String SUFFIX = ".snap";
  static final String TEMP_SUFFIX = ".tmp";
  private static final int MAX_METADATA_BYTES = 64 << 20;
  private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.snap");

  /** A snapshot file's term and index, as its name gives them. Immutable. */
  record Name(long term, long index) {}

  /** A file's metadata and the size in bytes of everything before the data. Immutable. */
  record Header(SnapshotMetadata metadata, long bytes) {}

  private SnapshotFormat() {}

  static String fileName(long term, long index) {
    return String.format("%016x-%016x%s", term, index, SUFFIX);
  }

  /** The term and index in a snapshot file's name, or empty if it is not one. */
  static Optional<Name> parseName(String fileName) {
    Matcher m = NAME.matcher(fileName);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new Name(Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)));
  }

  /** The bytes before the data: magic, version, metadata length and metadata. */
  static byte[] header(SnapshotMetadata meta) {
    byte[] m = meta.toByteArray();
    return ByteBuffer.allocate(PREFIX_BYTES + m.length)
        .putInt(MAGIC)
        .putInt(VERSION)
        .putInt(m.length)
        .put(m)
        .array();
  }

  /**
   * Reads and checks the header from {@code in}, feeding its bytes to {@code crc}; {@code file}
   * names the source in error messages.
   */
  static Header readHeader(InputStream in, CRC32C crc, Path file) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] prefix = new byte[PREFIX_BYTES];
    try {
      data.readFully(prefix);
      ByteBuffer b = ByteBuffer.wrap(prefix);
      int magic = b.getInt();
      int version = b.getInt();
      int length = b.getInt();
      if (magic != MAGIC) {
        throw corrupted(file, String.format("bad magic 0x%08x, expected 0x%08x", magic, MAGIC));
      }
      if (version != VERSION) {
        throw corrupted(file, "unsupported format version " + version + ", expected " + VERSION);
      }
      if (length < 0 || length > MAX_METADATA_BYTES) {
        throw corrupted(file, "metadata length " + length + " is out of range");
      }
      byte[] meta = new byte[length];
      data.readFully(meta);
      crc.update(prefix);
      crc.update(meta);
      return new Header(SnapshotMetadata.parseFrom(meta), PREFIX_BYTES + (long) length);
    } catch (EOFException e) {
      throw corrupted(file, "truncated header");
    } catch (InvalidProtocolBufferException e) {
      throw corrupted(file, "metadata does not parse: " + e.getMessage());
    }
  }

  static IOException corrupted(Path file, String what) {
    return new IOException("snapshot file " + file + " is corrupted: " + what);
  }
}
