package io.kvstore.server.bbolt;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvstore.api.etcdserverpb.AlarmMember;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.server.GoJsonString;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.mvcc.Revision;
import io.kvstore.server.pb.LeaseRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Converts between kvstore's {@link Backend} and an etcd 3.4 backend file (bbolt), the format of
 * etcd's {@code Maintenance.Snapshot} and of {@code member/snap/db}:
 *
 * <table>
 * <caption>etcd 3.4 buckets and their kvstore source</caption>
 * <tr><th>bucket</th><th>rows</th><th>from kvstore</th></tr>
 * <tr><td>alarm</td><td>marshalled {@code AlarmMember} → empty</td><td>raised alarms</td></tr>
 * <tr><td>auth, authRoles, authUsers</td><td>none (auth disabled)</td><td>—</td></tr>
 * <tr><td>cluster</td><td>{@code clusterVersion} → {@code 3.4.0}</td><td>constant</td></tr>
 * <tr><td>key</td><td>revision (8-byte main, '_', 8-byte sub, 't' for a tombstone) →
 *     marshalled {@code mvccpb.KeyValue}</td><td>the key space, unchanged</td></tr>
 * <tr><td>lease</td><td>8-byte big-endian id → marshalled {@code leasepb.Lease}</td>
 *     <td>lease records without the renewal index</td></tr>
 * <tr><td>members</td><td>hex id → JSON ({@code id}, {@code peerURLs}, {@code isLearner},
 *     {@code name}, {@code clientURLs})</td><td>the member list</td></tr>
 * <tr><td>members_removed</td><td>none</td><td>—</td></tr>
 * <tr><td>meta</td><td>{@code consistent_index} (8-byte big-endian), {@code
 *     finishedCompactRev}, {@code scheduledCompactRev} (17-byte revisions)</td>
 *     <td>applied index, compaction marks</td></tr>
 * </table>
 *
 * <p>Stateless; each call works on the backend and file it is given (the backend must not change
 * during an export: export from a checkpoint).
 */
public final class EtcdSnapshot {
  static final String CLUSTER_VERSION = "3.4.0";
  private static final byte[] CONSISTENT_INDEX = ascii("consistent_index");
  private static final byte[] FINISHED_COMPACT = ascii("finishedCompactRev");
  private static final byte[] SCHEDULED_COMPACT = ascii("scheduledCompactRev");
  private static final byte[] KEY_SPACE_START = new byte[0];
  private static final byte[] KEY_SPACE_END = {(byte) 0xff};
  private static final int IMPORT_BATCH_ROWS = 10_000;

  private EtcdSnapshot() {}

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** etcdctl's {@code snapshot status} figures. Immutable. */
  public record Status(int hash, long revision, long totalKey, long totalSize) {}

  /** What an import carried over. Immutable. */
  public record Imported(long revisions, long leases, long alarms, long skippedBuckets) {}

  /**
   * Writes the whole of {@code backend} to {@code file} as etcd 3.4's bbolt backend; returns the
   * file's size. {@code backend} must not change meanwhile (a checkpoint opened for the purpose).
   */
  public static long export(Backend backend, Path file) throws IOException {
    try (BboltWriter w = BboltWriter.create(file)) {
      try (BboltWriter.BucketWriter b = w.bucket("alarm")) {
        Map<byte[], byte[]> rows = new TreeMap<>(Arrays::compareUnsigned);
        for (long[] a : backend.alarms()) {
          rows.put(AlarmMember.newBuilder().setMemberID(a[0]).setAlarmValue((int) a[1]).build()
              .toByteArray(), new byte[0]);
        }
        putAll(b, rows);
      }
      w.bucket("auth").close();
      w.bucket("authRoles").close();
      w.bucket("authUsers").close();
      try (BboltWriter.BucketWriter b = w.bucket("cluster")) {
        b.put(ascii("clusterVersion"), ascii(CLUSTER_VERSION));
      }
      try (BboltWriter.BucketWriter b = w.bucket("key")) {
        scan(v -> backend.scanRevisions(KEY_SPACE_START, KEY_SPACE_END, v), b::put);
      }
      try (BboltWriter.BucketWriter b = w.bucket("lease")) {
        scan(backend::scanLeases, (k, v) -> b.put(k, LeaseRecord.parseFrom(v).toBuilder()
            .clearRenewedIndex().build().toByteArray()));
      }
      try (BboltWriter.BucketWriter b = w.bucket("members")) {
        Map<byte[], byte[]> rows = new TreeMap<>(Arrays::compareUnsigned);
        for (MemberRecord m : backend.members().values()) {
          rows.put(ascii(Long.toHexString(m.id())),
              memberJson(m).getBytes(StandardCharsets.UTF_8));
        }
        putAll(b, rows);
      }
      w.bucket("members_removed").close();
      try (BboltWriter.BucketWriter b = w.bucket("meta")) {
        b.put(CONSISTENT_INDEX,
            ByteBuffer.allocate(Long.BYTES).putLong(backend.appliedIndex()).array());
        for (byte[] key : List.of(FINISHED_COMPACT, SCHEDULED_COMPACT)) {
          byte[] v = backend.meta(key);
          if (v != null) {
            b.put(key, v);
          }
        }
      }
      return w.finish();
    }
  }

  private static void putAll(BboltWriter.BucketWriter b, Map<byte[], byte[]> rows)
      throws IOException {
    for (Map.Entry<byte[], byte[]> e : rows.entrySet()) {
      b.put(e.getKey(), e.getValue());
    }
  }

  @FunctionalInterface
  private interface Scan {
    void run(Backend.RowVisitor visitor);
  }

  @FunctionalInterface
  private interface Row {
    void put(byte[] key, byte[] value) throws IOException;
  }

  private static void scan(Scan scan, Row row) throws IOException {
    try {
      scan.run((k, v) -> {
        try {
          row.put(k, v);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return true;
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** etcd 3.4's JSON of a member ({@code json.Marshal} of {@code membership.Member}). */
  static String memberJson(MemberRecord m) {
    StringBuilder sb = new StringBuilder("{\"id\":").append(Long.toUnsignedString(m.id()))
        .append(",\"peerURLs\":");
    jsonArray(sb, m.context().getPeerUrlsList());
    if (m.learner()) {
      sb.append(",\"isLearner\":true");
    }
    if (!m.context().getName().isEmpty()) {
      sb.append(",\"name\":");
      GoJsonString.append(sb, m.context().getName());
    }
    if (m.context().getClientUrlsCount() > 0) {
      sb.append(",\"clientURLs\":");
      jsonArray(sb, m.context().getClientUrlsList());
    }
    return sb.append('}').toString();
  }

  private static void jsonArray(StringBuilder sb, List<String> items) {
    sb.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      GoJsonString.append(sb, items.get(i));
    }
    sb.append(']');
  }

  /**
   * etcdctl 3.4's {@code snapshot status}: CRC-32C over every top-level bucket's name and rows
   * in order, the main revision of the last row of the "key" bucket, the number of rows, and the
   * size of the pages in use. Fails, as etcdctl, when the file does not pass bbolt's check.
   */
  public static Status status(BboltReader reader) throws IOException {
    List<String> problems = reader.check();
    if (!problems.isEmpty()) {
      throw new IOException("snapshot file integrity check failed. " + problems.size()
          + " errors found.\n" + String.join("\n", problems));
    }
    CRC32C crc = new CRC32C();
    long[] revision = {0};
    long[] total = {0};
    for (byte[] name : reader.bucketNames()) {
      crc.update(name);
      boolean keyBucket = Arrays.equals(name, ascii("key"));
      reader.forEach(name, (k, v) -> {
        crc.update(k);
        if (v != null) {
          crc.update(v);
        }
        if (keyBucket && k.length >= Long.BYTES) {
          revision[0] = ByteBuffer.wrap(k).getLong();
        }
        total[0]++;
        return true;
      });
    }
    return new Status((int) crc.getValue(), revision[0], total[0], reader.size());
  }

  /**
   * Copies an etcd backend's key space, leases, alarms and compaction marks into {@code
   * backend} (normally empty), in batches recorded as applied index 0. Membership, the consistent
   * index, the cluster version and auth are not carried over: a restore starts a new cluster, and
   * kvstore has no authentication. {@code progress} receives the bytes of each row copied.
   *
   * @throws IOException if the file is not a sound etcd backend (a row that is no revision, a
   *     value that is no KeyValue or lease, no "key" bucket)
   */
  public static Imported importInto(BboltReader reader, Backend backend, LongConsumer progress)
      throws IOException {
    long[] counts = new long[4];
    Backend.Batch[] batch = {backend.newBatch()};
    long[] inBatch = {0};
    Runnable flushIfFull = () -> {
      if (++inBatch[0] >= IMPORT_BATCH_ROWS) {
        backend.commit(0, batch[0]);
        batch[0] = backend.newBatch();
        inBatch[0] = 0;
      }
    };
    try {
      boolean hasKeys = reader.forEach("key", (k, v) -> {
        Revision rev;
        try {
          rev = Revision.decode(k);
        } catch (IllegalArgumentException e) {
          throw new IOException("not an etcd backend: key bucket row " + Arrays.toString(k)
              + " is no revision (" + e.getMessage() + ")");
        }
        if (v == null) {
          throw new IOException("not an etcd backend: key bucket holds a bucket at " + rev);
        }
        try {
          KeyValue.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
          throw new IOException("revision " + rev + " holds a damaged KeyValue", e);
        }
        batch[0].putRevision(k, v);
        counts[0]++;
        progress.accept(k.length + v.length);
        flushIfFull.run();
        return true;
      });
      if (!hasKeys) {
        throw new IOException("not an etcd backend: no \"key\" bucket");
      }
      reader.forEach("lease", (k, v) -> {
        if (k.length != Long.BYTES || v == null) {
          throw new IOException("damaged lease row " + Arrays.toString(k));
        }
        LeaseRecord r;
        try {
          r = LeaseRecord.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
          throw new IOException("lease " + Long.toHexString(ByteBuffer.wrap(k).getLong())
              + " holds a damaged record", e);
        }
        batch[0].putLease(ByteBuffer.wrap(k).getLong(), r.toByteArray());
        counts[1]++;
        progress.accept(k.length + v.length);
        flushIfFull.run();
        return true;
      });
      reader.forEach("alarm", (k, v) -> {
        AlarmMember a;
        try {
          a = AlarmMember.parseFrom(k);
        } catch (InvalidProtocolBufferException e) {
          throw new IOException("damaged alarm row " + Arrays.toString(k), e);
        }
        batch[0].putAlarm(a.getMemberID(), a.getAlarmValue());
        counts[2]++;
        return true;
      });
      reader.forEach("meta", (k, v) -> {
        if (v != null && (Arrays.equals(k, FINISHED_COMPACT)
            || Arrays.equals(k, SCHEDULED_COMPACT))) {
          Revision.decode(v);
          batch[0].putMeta(k, v);
        }
        return true;
      });
      for (byte[] name : reader.bucketNames()) {
        String n = new String(name, StandardCharsets.UTF_8);
        if (!List.of("key", "lease", "alarm", "meta").contains(n)) {
          counts[3]++;
        }
      }
      backend.commit(0, batch[0]);
    } catch (IOException | RuntimeException e) {
      batch[0].close();
      throw e;
    }
    return new Imported(counts[0], counts[1], counts[2], counts[3]);
  }
}
