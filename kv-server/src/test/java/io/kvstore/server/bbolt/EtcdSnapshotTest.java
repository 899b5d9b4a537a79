package io.kvstore.server.bbolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.raft.pb.MemberContext;
import io.kvstore.server.backend.Backend;
import io.kvstore.server.backend.MemberRecord;
import io.kvstore.server.mvcc.LeaseLookup;
import io.kvstore.server.mvcc.MvccStore;
import io.kvstore.server.mvcc.Revision;
import io.kvstore.server.pb.LeaseRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conversion between kvstore's backend and etcd 3.4's bbolt buckets: what goes into which
 * bucket, the status figures (checked against etcdctl 3.4's own {@code snapshot status}), and a
 * round trip back into a backend.
 */
class EtcdSnapshotTest {
  private static final int KEYS = 3000;

  @TempDir Path tmp;

  private static byte[] kv(String key, String value, long create, long mod, long version,
      long lease) {
    return KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value)).setCreateRevision(create)
        .setModRevision(mod).setVersion(version).setLease(lease).build().toByteArray();
  }

  /** Revisions 2..KEYS+1 put k/i, then KEYS+2 deletes k/0; a lease, an alarm, two members. */
  private Backend sourceBackend() {
    Backend b = Backend.open(tmp.resolve("source"));
    Backend.Batch batch = b.newBatch();
    for (int i = 0; i < KEYS; i++) {
      long rev = i + 2;
      batch.putRevision(new Revision(rev, 0).encode(),
          kv("k/" + i, "value-" + i + "x".repeat(i % 50), rev, rev, 1, i == 7 ? 0x1234 : 0));
    }
    batch.putRevision(new Revision(KEYS + 2, 0).encodeTombstone(),
        KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k/0")).build().toByteArray());
    batch.putLease(0x1234, LeaseRecord.newBuilder().setId(0x1234).setTtl(600)
        .setRenewedIndex(9).build().toByteArray());
    batch.putAlarm(0xabcdef, 1);
    batch.putMeta("finishedCompactRev".getBytes(StandardCharsets.US_ASCII),
        Revision.first(1).encode());
    batch.putMeta("scheduledCompactRev".getBytes(StandardCharsets.US_ASCII),
        Revision.first(1).encode());
    batch.putMember(new MemberRecord(0x8e9e05c52164694dL, MemberContext.newBuilder()
        .setName("default").addPeerUrls("http://localhost:2380")
        .addClientUrls("http://localhost:2379").build(), false));
    batch.putMember(new MemberRecord(0x12L, MemberContext.newBuilder()
        .addPeerUrls("http://127.0.0.1:2390").build(), true));
    b.commit(42, batch);
    return b;
  }

  @Test
  void exportFillsEtcdsBucketsAndReadsBackIntoABackend() throws IOException {
    Path file = tmp.resolve("snapshot.db");
    try (Backend source = sourceBackend()) {
      long size = EtcdSnapshot.export(source, file);
      assertThat(size).isEqualTo(Files.size(file));
    }
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.check()).isEmpty();
      assertThat(r.bucketNames().stream().map(String::new).toList()).containsExactly("alarm",
          "auth", "authRoles", "authUsers", "cluster", "key", "lease", "members",
          "members_removed", "meta");
      List<String> members = new ArrayList<>();
      r.forEach("members", (k, v) -> members.add(new String(k) + "=" + new String(v)));
      assertThat(members).containsExactly(
          "12={\"id\":18,\"peerURLs\":[\"http://127.0.0.1:2390\"],\"isLearner\":true}",
          "8e9e05c52164694d={\"id\":10276657743932975437,\"peerURLs\":"
              + "[\"http://localhost:2380\"],\"name\":\"default\",\"clientURLs\":"
              + "[\"http://localhost:2379\"]}");
      List<String> meta = new ArrayList<>();
      r.forEach("meta", (k, v) -> meta.add(new String(k) + "=" + v.length));
      assertThat(meta).containsExactly("consistent_index=8", "finishedCompactRev=17",
          "scheduledCompactRev=17");
      List<byte[]> lease = new ArrayList<>();
      r.forEach("lease", (k, v) -> lease.add(v));
      assertThat(LeaseRecord.parseFrom(lease.get(0)).getRenewedIndex()).isZero();
      assertThat(LeaseRecord.parseFrom(lease.get(0)).getTtl()).isEqualTo(600);

      EtcdSnapshot.Status status = EtcdSnapshot.status(r);
      assertThat(status.revision()).isEqualTo(KEYS + 2);
      // key rows, lease, alarm, clusterVersion, two members, three meta keys
      assertThat(status.totalKey()).isEqualTo(KEYS + 1 + 1 + 1 + 1 + 2 + 3);
      assertThat(status.totalSize()).isEqualTo(Files.size(file));

      long[] bytes = {0};
      try (Backend target = Backend.open(tmp.resolve("target"))) {
        EtcdSnapshot.Imported imported = EtcdSnapshot.importInto(r, target, n -> bytes[0] += n);
        assertThat(imported).isEqualTo(new EtcdSnapshot.Imported(KEYS + 1, 1, 1, 6));
        assertThat(bytes[0]).isPositive();
        assertThat(target.alarms()).hasSize(1);
        assertThat(target.alarms().get(0)).containsExactly(0xabcdef, 1);
        assertThat(target.members()).isEmpty();
        MvccStore store = MvccStore.open(target, LeaseLookup.ANY);
        assertThat(store.currentRevision()).isEqualTo(KEYS + 2);
        assertThat(store.compactRevision()).isEqualTo(1);
        List<byte[]> leases = new ArrayList<>();
        target.scanLeases((k, v) -> leases.add(v));
        assertThat(LeaseRecord.parseFrom(leases.get(0)).getId()).isEqualTo(0x1234);
        // a second export of the imported backend has the same key space, hash for hash
        try (Backend source = Backend.open(tmp.resolve("source"))) {
          long[] n = {0};
          byte[] top = {(byte) 0xff};
          source.scanRevisions(new byte[0], top, (k, v) -> {
            assertThat(target.revision(k)).isEqualTo(v);
            n[0]++;
            return true;
          });
          assertThat(n[0]).isEqualTo(KEYS + 1);
        }
      }
    }
  }

  @Test
  void importRefusesAFileWithoutAnEtcdKeySpace() throws IOException {
    Path file = tmp.resolve("other.db");
    try (BboltWriter w = BboltWriter.create(file)) {
      try (BboltWriter.BucketWriter b = w.bucket("key")) {
        b.put("not-a-revision".getBytes(StandardCharsets.US_ASCII), new byte[0]);
      }
      w.finish();
    }
    try (BboltReader r = BboltReader.open(file);
        Backend target = Backend.open(tmp.resolve("target"))) {
      assertThatThrownBy(() -> EtcdSnapshot.importInto(r, target, n -> { }))
          .isInstanceOf(IOException.class).hasMessageContaining("is no revision");
    }
    Path empty = tmp.resolve("empty.db");
    try (BboltWriter w = BboltWriter.create(empty)) {
      w.finish();
    }
    try (BboltReader r = BboltReader.open(empty);
        Backend target = Backend.open(tmp.resolve("target2"))) {
      assertThatThrownBy(() -> EtcdSnapshot.importInto(r, target, n -> { }))
          .isInstanceOf(IOException.class).hasMessageContaining("no \"key\" bucket");
    }
  }

  /** etcdctl 3.4 (bbolt itself, with its consistency check) reads the export as we do. */
  @Test
  void etcdctlSnapshotStatusAgreesWithOurs() throws Exception {
    Path file = tmp.resolve("snapshot.db");
    try (Backend source = sourceBackend()) {
      EtcdSnapshot.export(source, file);
    }
    EtcdSnapshot.Status ours;
    try (BboltReader r = BboltReader.open(file)) {
      ours = EtcdSnapshot.status(r);
    }
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    Files.write(file, sha, StandardOpenOption.APPEND);
    Path out = tmp.resolve("status.out");
    Process p = new ProcessBuilder("/usr/bin/etcdctl", "snapshot", "status", file.toString(),
        "-w", "json").redirectErrorStream(true).redirectOutput(out.toFile()).start();
    p.getOutputStream().close();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String json = Files.readString(out);
    assertThat(p.exitValue()).as(json).isZero();
    assertThat(json).contains("\"hash\":" + Integer.toUnsignedLong(ours.hash()) + ",")
        .contains("\"revision\":" + ours.revision() + ",")
        .contains("\"totalKey\":" + ours.totalKey() + ",")
        .contains("\"totalSize\":" + ours.totalSize() + "}");
  }
}
