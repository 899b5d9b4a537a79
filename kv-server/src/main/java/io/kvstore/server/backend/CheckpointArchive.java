package io.kvstore.server.backend;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Packs the files of a RocksDB checkpoint directory (flat, no subdirectories) into one stream and
 * unpacks it again: per file a name, a length and the bytes, ended by a marker. Integrity is the
 * snapshot file's CRC32C, checked by the snapshot store. Stateless.
 */
final class CheckpointArchive {
  private static final int END = -1;
  private static final int MAX_NAME_BYTES = 255;

  private CheckpointArchive() {}

  static void pack(Path dir, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] buf = new byte[1 << 16];
    for (Path f : files) {
      byte[] name = f.getFileName().toString().getBytes(StandardCharsets.UTF_8);
      data.writeInt(name.length);
      data.write(name);
      data.writeLong(Files.size(f));
      try (InputStream in = Files.newInputStream(f)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          data.write(buf, 0, n);
        }
      }
    }
    data.writeInt(END);
    data.flush();
  }

  /** Unpacks into the empty directory {@code dir}, syncing every file and the directory. */
  static void unpack(InputStream in, Path dir) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] buf = new byte[1 << 16];
    while (true) {
      int nameLength = data.readInt();
      if (nameLength == END) {
        break;
      }
      if (nameLength <= 0 || nameLength > MAX_NAME_BYTES) {
        throw new IOException("damaged snapshot archive: file name length " + nameLength);
      }
      String name = new String(data.readNBytes(nameLength), StandardCharsets.UTF_8);
      if (name.contains("/") || name.startsWith(".")) {
        throw new IOException("damaged snapshot archive: bad file name '" + name + "'");
      }
      long size = data.readLong();
      Path target = dir.resolve(name);
      try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(ch);
        long left = size;
        while (left > 0) {
          int n = data.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("damaged snapshot archive: " + name + " ends early");
          }
          out.write(buf, 0, n);
          left -= n;
        }
        ch.force(true);
      }
    }
    if (!Files.exists(dir.resolve("CURRENT"))) {
      throw new IOException("snapshot archive holds no RocksDB database (no CURRENT file)");
    }
    syncDirectory(dir);
  }

  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
