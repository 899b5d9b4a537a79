package io.kvstore.server.bbolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BboltWriter} and {@link BboltReader} round trips: many keys (branch pages, three
 * levels), values bigger than a page (overflow pages), inline and empty buckets, the
 * consistency check, meta page validation and fallback.
 */
class BboltWriterReaderTest {
  @TempDir Path tmp;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Bucket name → rows in key order. */
  private static Map<String, Map<byte[], byte[]>> sample() {
    Random random = new Random(42);
    Map<String, Map<byte[], byte[]>> buckets = new LinkedHashMap<>();
    buckets.put("alarm", new TreeMap<>(Arrays::compareUnsigned));
    Map<byte[], byte[]> big = new TreeMap<>(Arrays::compareUnsigned);
    for (int size : new int[] {1, 4000, 4096, 10_000, 100_000, 2_500_000}) {
      byte[] v = new byte[size];
      random.nextBytes(v);
      big.put(bytes(String.format("big-%08d", size)), v);
    }
    big.put(new byte[] {(byte) 0xff, 0}, new byte[0]);
    buckets.put("big", big);
    Map<byte[], byte[]> key = new TreeMap<>(Arrays::compareUnsigned);
    for (int i = 0; i < 40_000; i++) {
      byte[] k = ByteBuffer.allocate(17).putLong(i + 1).put((byte) '_').putLong(0).array();
      byte[] v = new byte[20 + random.nextInt(120)];
      random.nextBytes(v);
      key.put(k, v);
    }
    buckets.put("key", key);
    Map<byte[], byte[]> small = new TreeMap<>(Arrays::compareUnsigned);
    for (int i = 0; i < 5; i++) {
      small.put(bytes("k" + i), bytes("v" + i));
    }
    buckets.put("small", small);
    return buckets;
  }

  private static void write(Path file, Map<String, Map<byte[], byte[]>> buckets)
      throws IOException {
    try (BboltWriter w = BboltWriter.create(file)) {
      for (var b : buckets.entrySet()) {
        try (BboltWriter.BucketWriter bw = w.bucket(b.getKey())) {
          for (var row : b.getValue().entrySet()) {
            bw.put(row.getKey(), row.getValue());
          }
          assertThat(bw.count()).isEqualTo(b.getValue().size());
        }
      }
      long size = w.finish();
      assertThat(size).isEqualTo(w.pageCount() * 4096);
    }
  }

  private static List<byte[][]> rows(BboltReader r, String bucket) throws IOException {
    List<byte[][]> out = new ArrayList<>();
    assertThat(r.forEach(bucket, (k, v) -> out.add(new byte[][] {k, v}))).isTrue();
    return out;
  }

  @Test
  void roundTripsManyKeysBigValuesAndInlineBuckets() throws IOException {
    Path file = tmp.resolve("db");
    Map<String, Map<byte[], byte[]>> buckets = sample();
    write(file, buckets);

    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.check()).isEmpty();
      assertThat(r.size()).isEqualTo(Files.size(file));
      assertThat(r.pageSize()).isEqualTo(4096);
      assertThat(r.txid()).isEqualTo(1);
      assertThat(r.bucketNames().stream().map(String::new).toList())
          .containsExactly("alarm", "big", "key", "small");
      for (var b : buckets.entrySet()) {
        List<byte[][]> got = rows(r, b.getKey());
        assertThat(got).hasSize(b.getValue().size());
        int i = 0;
        for (var row : b.getValue().entrySet()) {
          assertThat(got.get(i)[0]).isEqualTo(row.getKey());
          assertThat(got.get(i)[1]).isEqualTo(row.getValue());
          i++;
        }
      }
      assertThat(r.depth("key")).isEqualTo(3);
      assertThat(r.depth("big")).isEqualTo(2);
      assertThat(r.isInline("small")).isTrue();
      assertThat(r.isInline("alarm")).isTrue();
      assertThat(r.isInline("key")).isFalse();
      assertThat(r.forEach("missing", (k, v) -> true)).isFalse();
      // a visitor may stop early
      int[] seen = {0};
      r.forEach("key", (k, v) -> ++seen[0] < 10);
      assertThat(seen[0]).isEqualTo(10);
    }
  }

  @Test
  void emptyFileHasOnlyTheRootBucket() throws IOException {
    Path file = tmp.resolve("db");
    try (BboltWriter w = BboltWriter.create(file)) {
      assertThat(w.finish()).isEqualTo(4 * 4096);
    }
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.bucketNames()).isEmpty();
      assertThat(r.check()).isEmpty();
    }
  }

  @Test
  void manyBucketsSpillTheRootBucketOverSeveralPages() throws IOException {
    Map<String, Map<byte[], byte[]>> buckets = new TreeMap<>();
    for (int i = 0; i < 300; i++) {
      Map<byte[], byte[]> rows = new TreeMap<>(Arrays::compareUnsigned);
      for (int j = 0; j < 20; j++) {
        rows.put(bytes("row" + j), bytes("value of row " + j));
      }
      buckets.put(String.format("bucket-%03d", i), rows);
    }
    Path file = tmp.resolve("db");
    write(file, new LinkedHashMap<>(buckets));
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.check()).isEmpty();
      assertThat(r.bucketNames()).hasSize(300);
      assertThat(rows(r, "bucket-299")).hasSize(20);
      assertThat(r.isInline("bucket-150")).isTrue();
    }
  }

  @Test
  void trailingBytesAfterTheLastPageAreIgnored() throws IOException {
    Path file = tmp.resolve("db");
    write(file, sample());
    Files.write(file, new byte[32], StandardOpenOption.APPEND);
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.check()).isEmpty();
      assertThat(rows(r, "small")).hasSize(5);
      assertThat(r.size()).isEqualTo(Files.size(file) - 32);
    }
  }

  @Test
  void keysAndBucketsMustAscend() throws IOException {
    try (BboltWriter w = BboltWriter.create(tmp.resolve("db"))) {
      BboltWriter.BucketWriter b = w.bucket("b");
      b.put(bytes("k2"), bytes("v"));
      assertThatThrownBy(() -> b.put(bytes("k1"), bytes("v")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascend");
      assertThatThrownBy(() -> b.put(bytes("k2"), bytes("v")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.put(new byte[0], bytes("v")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.bucket("c")).isInstanceOf(IllegalStateException.class);
      b.close();
      assertThatThrownBy(() -> w.bucket("a")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aDamagedMetaPageFallsBackToTheOtherOne() throws IOException {
    Path file = tmp.resolve("db");
    write(file, sample());
    byte[] all = Files.readAllBytes(file);
    all[4096 + 16 + 20] ^= 1; // meta 1's root pgid: checksum no longer matches
    Files.write(file, all);
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.txid()).isZero();
      assertThat(rows(r, "small")).hasSize(5);
    }
    all[16 + 20] ^= 1;
    Files.write(file, all);
    assertThatThrownBy(() -> BboltReader.open(file)).isInstanceOf(IOException.class)
        .hasMessageContaining("checksum");
    Files.write(file, bytes("not a database at all"));
    assertThatThrownBy(() -> BboltReader.open(file)).isInstanceOf(IOException.class)
        .hasMessageContaining("not a bbolt database");
  }

  @Test
  void checkFindsAnUnreachablePage() throws IOException {
    Path file = tmp.resolve("db");
    write(file, sample());
    long pages = Files.size(file) / 4096;
    long root;
    try (BboltReader r = BboltReader.open(file)) {
      root = ByteBuffer.wrap(Files.readAllBytes(file), 16 + 16, 8)
          .order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertThat(r.check()).isEmpty();
    }
    try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (int i = 0; i < 2; i++) {
        ch.write(ByteBuffer.wrap(BboltWriter.metaPage(i, root, pages + 1, i)), i * 4096L);
      }
      ch.write(ByteBuffer.wrap(new byte[4096]), pages * 4096);
    }
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.check()).containsExactly("page " + pages + ": unreachable unfreed");
    }
  }

  @Test
  void looksLikeBboltRecognisesTheMetaPage() throws IOException {
    Path file = tmp.resolve("db");
    write(file, sample());
    assertThat(BboltReader.looksLikeBbolt(Arrays.copyOf(Files.readAllBytes(file), 64))).isTrue();
    assertThat(BboltReader.looksLikeBbolt(new byte[64])).isFalse();
    assertThat(BboltReader.looksLikeBbolt(new byte[3])).isFalse();
  }
}
