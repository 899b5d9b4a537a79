package io.kvstore.kvctl;

import io.kvstore.client.KvClient;
import io.kvstore.server.MemberIds;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.bbolt.BboltReader;
import io.kvstore.server.bbolt.EtcdSnapshot;
import io.kvstore.server.mvcc.LeaseLookup;
import io.kvstore.server.mvcc.MvccStore;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * etcdctl's snapshot commands. {@code save} works against kvstore and etcd alike (it stores the
 * Maintenance.Snapshot stream with its SHA-256 trailer). {@code status} and {@code restore} read
 * etcd's snapshot format, a bbolt database, which kvstore streams too: snapshots of kvstore and of
 * etcd 3.4 alike, so an etcd snapshot restores into a new kvstore cluster. They also still read
 * the packed RocksDB checkpoints older kvstore versions streamed.
 */
@Command(name = "snapshot", description = "Manages etcd node snapshots",
    subcommands = {SnapshotCommands.Save.class, SnapshotCommands.Restore.class,
        SnapshotCommands.Status.class})
final class SnapshotCommands extends Kvctl.Cmd implements Runnable {
  /** The SHA-256 trailer follows data padded to a multiple of this (a bbolt page). */
  private static final int PAGE = 512;
  private static final int SHA_BYTES = 32;

  @Override
  public void run() {
    spec.commandLine().usage(root().out);
  }

  static boolean hasChecksum(long size) {
    return size % PAGE == SHA_BYTES;
  }

  @Command(name = "save", description = "Stores an etcd node backend snapshot to a given file",
      customSynopsis = "kvctl snapshot save <filename>")
  static final class Save extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "snapshot save expects one argument");
      }
      Kvctl root = root();
      List<String> eps = root.endpoints();
      if (eps.size() != 1) {
        throw new KvctlException(ExitCodes.INTERRUPTED, "snapshot must be requested to one "
            + "selected node, not multiple [" + String.join(" ", eps) + "]");
      }
      Path path = Path.of(args.get(0));
      Path part = Path.of(args.get(0) + ".part");
      // As etcdctl: no deadline unless --command-timeout was given.
      boolean timeoutGiven = false;
      for (var pr = spec.root().commandLine().getParseResult(); pr != null;
          pr = pr.subcommand()) {
        timeoutGiven |= pr.hasMatchedOption("--command-timeout");
      }
      Duration timeout = timeoutGiven ? root.commandTimeout() : Duration.ofDays(1);
      ProgressBar bar = new ProgressBar(root.err, root.stderrTty, "saving snapshot", 0);
      AtomicLong size = new AtomicLong();
      try (KvClient c = root.client(eps);
          FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
        Kvctl.await(c.maintenance().snapshot(chunk -> {
          try {
            if (size.get() == 0) {
              bar.total(chunk.getBlob().size() + chunk.getRemainingBytes());
            }
            chunk.getBlob().writeTo(out);
            size.addAndGet(chunk.getBlob().size());
            bar.advance(chunk.getBlob().size());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, timeout), ExitCodes.INTERRUPTED);
        bar.finish();
        if (!hasChecksum(size.get())) {
          throw new KvctlException(ExitCodes.INTERRUPTED,
              "sha256 checksum not found [bytes: " + size.get() + "]");
        }
        ch.force(true);
      } catch (IOException e) {
        throw new KvctlException(ExitCodes.INTERRUPTED, "could not write " + part + " ("
            + e.getMessage() + ")");
      }
      try {
        Files.move(part, path, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new KvctlException(ExitCodes.INTERRUPTED, "could not rename " + part + " to "
            + path + " (" + e.getMessage() + ")");
      } finally {
        try {
          Files.deleteIfExists(part);
        } catch (IOException e) {
          // nothing more to do
        }
      }
      root.out.print("Snapshot saved at " + args.get(0) + "\n");
    }
  }

  /**
   * Checks the snapshot's SHA-256 trailer as etcdctl does (unless {@code skipHashCheck}, or
   * refuses a file without one); returns the size of the data before the trailer.
   */
  private static long checkHash(Path file, boolean skipHashCheck) throws IOException {
    long size = Files.size(file);
    boolean hasHash = hasChecksum(size);
    if (hasHash) {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      byte[] trailer;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
        byte[] buf = new byte[1 << 16];
        long left = size - SHA_BYTES;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("snapshot file ends early");
          }
          sha.update(buf, 0, n);
          left -= n;
        }
        trailer = in.readNBytes(SHA_BYTES);
      }
      byte[] digest = sha.digest();
      if (!Arrays.equals(digest, trailer) && !skipHashCheck) {
        throw new KvctlException(ExitCodes.ERROR, "expected sha256 " + Arrays.toString(trailer)
            + ", got " + Arrays.toString(digest));
      }
    } else if (!skipHashCheck) {
      throw new KvctlException(ExitCodes.ERROR,
          "snapshot missing hash but --skip-hash-check=false");
    }
    return hasHash ? size - SHA_BYTES : size;
  }

  /** Whether {@code file} is a bbolt database (etcd's snapshot format) rather than an archive. */
  static boolean isBbolt(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return BboltReader.looksLikeBbolt(in.readNBytes(64));
    }
  }

  /**
   * A kvstore snapshot archive of an older kvstore (a packed RocksDB checkpoint), checked and
   * opened without padding and trailer.
   */
  private static InputStream openArchive(Path file, boolean skipHashCheck, ProgressBar bar)
      throws IOException {
    long limit = checkHash(file, skipHashCheck);
    InputStream raw = new BufferedInputStream(Files.newInputStream(file));
    return new FilterInputStream(raw) {
      private long left = limit;

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = super.read();
        if (b >= 0) {
          left--;
          bar.advance(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = super.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
          bar.advance(n);
        }
        return n;
      }
    };
  }

  @Command(name = "status", description = "Gets backend snapshot status of a given file "
      + "(hash, revision, total keys, total size), as etcdctl computes them",
      customSynopsis = "kvctl snapshot status <filename>")
  static final class Status extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "snapshot status requires exactly one argument");
      }
      Kvctl root = root();
      Printer p = root.printer();
      Path file = Path.of(args.get(0));
      if (!Files.exists(file)) {
        throw new KvctlException(ExitCodes.ERROR, "stat " + file + ": no such file or directory");
      }
      try {
        Printer.DbStatus status;
        if (isBbolt(file)) {
          try (BboltReader r = BboltReader.open(file)) {
            EtcdSnapshot.Status s = EtcdSnapshot.status(r);
            status = new Printer.DbStatus(s.hash(), s.revision(), s.totalKey(), s.totalSize());
          }
        } else {
          status = archiveStatus(file, root);
        }
        p.dbStatus(status);
      } catch (IOException | RuntimeException e) {
        if (e instanceof KvctlException k) {
          throw k;
        }
        throw new KvctlException(ExitCodes.ERROR, "cannot read snapshot " + file + " ("
            + e.getMessage() + ")");
      }
    }

    /** The status of an archive written by an older kvstore (a packed RocksDB checkpoint). */
    private static Printer.DbStatus archiveStatus(Path file, Kvctl root) throws IOException {
      Path tmp = Files.createTempDirectory("kvctl-snapshot-status");
      try (InputStream in = openArchive(file, true, new ProgressBar(root.err, false, "", 0));
          Backend b = Backend.replace(tmp.resolve("db"), in)) {
        long revision = MvccStore.open(b, LeaseLookup.ANY).currentRevision();
        AtomicLong keys = new AtomicLong();
        byte[] top = new byte[32];
        Arrays.fill(top, (byte) 0xff);
        b.scanRevisions(new byte[0], top, (k, v) -> keys.incrementAndGet() >= 0);
        b.scanLeases((k, v) -> keys.incrementAndGet() >= 0);
        keys.addAndGet(b.members().size() + b.alarms().size());
        return new Printer.DbStatus(b.hash(), revision, keys.get(), Files.size(file));
      } finally {
        deleteQuietly(tmp);
      }
    }
  }

  @Command(name = "restore", description = "Restores an etcd or kvstore snapshot to a new "
      + "kvstore data directory, for a new cluster: the key space, leases and alarms kept, new "
      + "member and cluster ids from the flags, the old membership dropped. Start the member with the same --name, "
      + "--initial-cluster, --initial-cluster-token and --initial-advertise-peer-urls, and "
      + "--initial-cluster-state new.",
      customSynopsis = "kvctl snapshot restore <filename> [options]")
  static final class Restore extends Kvctl.Cmd implements Runnable {
    @Option(names = "--data-dir", defaultValue = "", description = "Path to the data directory")
    String dataDir;
    @Option(names = "--wal-dir", defaultValue = "",
        description = "Not supported: kvstore keeps its log in <data-dir>/member/wal")
    String walDir;
    @Option(names = "--initial-cluster", defaultValue = "default=http://localhost:2380",
        description = "Initial cluster configuration for restore bootstrap")
    String initialCluster;
    @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster",
        description = "Initial cluster token for the etcd cluster during restore bootstrap")
    String token;
    @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
        description = "List of this member's peer URLs to advertise to the rest of the cluster")
    String peerUrls;
    @Option(names = "--name", defaultValue = "default",
        description = "Human-readable name for this member")
    String name;
    @Option(names = "--skip-hash-check", arity = "0..1", fallbackValue = "true",
        description = "Ignore snapshot integrity hash value (required if copied from data "
            + "directory)")
    boolean skipHashCheck;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "snapshot restore requires exactly one argument");
      }
      if (!walDir.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_FEATURE,
            "--wal-dir is not supported: kvstore keeps its log in <data-dir>/member/wal");
      }
      Kvctl root = root();
      Map<String, List<URI>> cluster = parseCluster(initialCluster);
      List<URI> mine = urls(peerUrls);
      if (!cluster.containsKey(name)) {
        throw new KvctlException(ExitCodes.ERROR, "couldn't find local name " + GoText.quote(name)
            + " in the initial cluster configuration");
      }
      if (!cluster.get(name).stream().map(URI::toString).sorted().toList()
          .equals(mine.stream().map(URI::toString).sorted().toList())) {
        throw new KvctlException(ExitCodes.ERROR, "--initial-cluster has " + name + "="
            + cluster.get(name).get(0) + " but missing from --initial-advertise-peer-urls="
            + peerUrls);
      }
      Path dir = Path.of(dataDir.isEmpty() ? name + ".etcd" : dataDir);
      if (Files.exists(dir)) {
        throw new KvctlException(ExitCodes.ERROR, "data-dir " + GoText.quote(dir.toString())
            + " exists");
      }
      Path file = Path.of(args.get(0));
      if (!Files.exists(file)) {
        throw new KvctlException(ExitCodes.ERROR, "stat " + file + ": no such file or directory");
      }
      List<Long> ids = new ArrayList<>();
      cluster.values().forEach(u -> ids.add(MemberIds.memberId(u, token)));
      long memberId = MemberIds.memberId(mine, token);
      long clusterId = MemberIds.clusterId(ids);
      try {
        ProgressBar bar = new ProgressBar(root.err, root.stderrTty, "restoring snapshot",
            Files.size(file));
        Path memberDir = dir.resolve("member");
        Files.createDirectories(memberDir);
        if (isBbolt(file)) {
          checkHash(file, skipHashCheck);
          try (BboltReader r = BboltReader.open(file);
              Backend b = Backend.open(memberDir.resolve("db"))) {
            EtcdSnapshot.importInto(r, b, bar::advance);
            b.markApplied(0);
          }
        } else {
          try (InputStream in = openArchive(file, skipHashCheck, bar);
              Backend b = Backend.replace(memberDir.resolve("db"), in)) {
            for (Long id : b.members().keySet()) {
              b.removeMember(0, id);
            }
            b.markApplied(0);
          }
        }
        bar.finish();
      } catch (KvctlException e) {
        deleteQuietly(dir);
        throw e;
      } catch (IOException | RuntimeException e) {
        deleteQuietly(dir);
        throw new KvctlException(ExitCodes.ERROR, "cannot restore " + file + " ("
            + e.getMessage() + ")");
      }
      root.err.print("restored snapshot " + file + " into " + dir + " as member "
          + GoText.hexId(memberId) + " of cluster " + GoText.hexId(clusterId) + "\n");
    }
  }

  /** {@code name=url,name=url}, a name given twice having two URLs. */
  static Map<String, List<URI>> parseCluster(String text) {
    Map<String, List<URI>> out = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "--initial-cluster: " + part
            + " is not name=url");
      }
      out.computeIfAbsent(part.substring(0, eq), k -> new ArrayList<>())
          .addAll(urls(part.substring(eq + 1)));
    }
    return out;
  }

  static List<URI> urls(String text) {
    List<URI> out = new ArrayList<>();
    for (String u : text.split(",")) {
      try {
        URI uri = new URI(u.strip());
        if (uri.getHost() == null || uri.getPort() < 0) {
          throw new IllegalArgumentException();
        }
        out.add(uri);
      } catch (Exception e) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "bad URL " + GoText.quote(u));
      }
    }
    return out;
  }

  static void deleteQuietly(Path p) {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // best effort
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
