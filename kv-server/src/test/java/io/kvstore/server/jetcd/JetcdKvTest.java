package io.kvstore.server.jetcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.kvstore.server.process.Leadership;
import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.ServerLauncher;
import io.kvstore.server.process.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd, an unmodified etcd client from Maven Central, against a three-member cluster of real
 * kv-server processes: KV and Txn behave as against etcd, including historical reads, prefix
 * deletes, compaction and etcd's error texts surfaced through jetcd's exceptions.
 */
@Timeout(120)
class JetcdKvTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir static Path tmp;
  private static ServerLauncher launcher;
  private static Client client;

  @BeforeAll
  static void startCluster() {
    launcher = new ServerLauncher(tmp);
    List<MemberFlags> cluster =
        IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, tmp)).toList();
    List<ServerProcess> members = new ArrayList<>();
    cluster.forEach(m -> members.add(launcher.start(m.name(), m.flags(cluster))));
    members.forEach(m -> m.awaitLine(READY, WAIT));
    Leadership.awaitAgreement(members, 0, WAIT);
    client = Client.builder()
        .endpoints(cluster.stream().map(m -> "http://127.0.0.1:" + m.clientPort())
            .toArray(String[]::new))
        .build();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    launcher.close();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(15, TimeUnit.SECONDS);
  }

  @Test
  void putGetHistoryAndDeleteByPrefix() throws Exception {
    KV kv = client.getKVClient();
    PutResponse first = await(kv.put(bytes("jetcd/a"), bytes("1")));
    PutResponse second = await(kv.put(bytes("jetcd/a"), bytes("2"), PutOption.builder()
        .withPrevKV().build()));
    await(kv.put(bytes("jetcd/b"), bytes("3")));

    assertThat(second.hasPrevKv()).isTrue();
    assertThat(second.getPrevKv().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1");
    GetResponse current = await(kv.get(bytes("jetcd/"), GetOption.builder().isPrefix(true)
        .build()));
    assertThat(current.getKvs()).extracting(k -> k.getValue().toString(StandardCharsets.UTF_8))
        .containsExactly("2", "3");
    KeyValue a = current.getKvs().get(0);
    assertThat(a.getVersion()).isEqualTo(2);
    assertThat(a.getCreateRevision()).isEqualTo(first.getHeader().getRevision());
    assertThat(a.getModRevision()).isEqualTo(second.getHeader().getRevision());

    GetResponse old = await(kv.get(bytes("jetcd/a"), GetOption.builder()
        .withRevision(first.getHeader().getRevision()).build()));
    assertThat(old.getKvs()).singleElement()
        .satisfies(k -> assertThat(k.getValue().toString(StandardCharsets.UTF_8))
            .isEqualTo("1"));

    long deleted = await(kv.delete(bytes("jetcd/"), DeleteOption.builder().isPrefix(true)
        .build())).getDeleted();
    assertThat(deleted).isEqualTo(2);
    assertThat(await(kv.get(bytes("jetcd/"), GetOption.builder().isPrefix(true).build()))
        .getKvs()).isEmpty();
  }

  @Test
  void txnComparesAndSwapsAtomically() throws Exception {
    KV kv = client.getKVClient();
    await(kv.put(bytes("cas"), bytes("old")));

    TxnResponse won = await(kv.txn()
        .If(new Cmp(bytes("cas"), Cmp.Op.EQUAL, CmpTarget.value(bytes("old"))))
        .Then(Op.put(bytes("cas"), bytes("new"), PutOption.DEFAULT))
        .Else(Op.get(bytes("cas"), GetOption.DEFAULT))
        .commit());
    TxnResponse lost = await(kv.txn()
        .If(new Cmp(bytes("cas"), Cmp.Op.EQUAL, CmpTarget.value(bytes("old"))))
        .Then(Op.put(bytes("cas"), bytes("newer"), PutOption.DEFAULT))
        .Else(Op.get(bytes("cas"), GetOption.DEFAULT))
        .commit());

    assertThat(won.isSucceeded()).isTrue();
    assertThat(lost.isSucceeded()).isFalse();
    assertThat(lost.getGetResponses()).singleElement()
        .satisfies(g -> assertThat(g.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8))
            .isEqualTo("new"));
  }

  @Test
  void readsBelowTheCompactedRevisionFailWithEtcdsText() throws Exception {
    KV kv = client.getKVClient();
    PutResponse p1 = await(kv.put(bytes("compacted"), bytes("1")));
    PutResponse p2 = await(kv.put(bytes("compacted"), bytes("2")));
    await(kv.compact(p2.getHeader().getRevision()));

    Throwable failure = catchThrowable(() -> await(kv.get(bytes("compacted"),
        GetOption.builder().withRevision(p1.getHeader().getRevision()).build())));

    assertThat(failure).isInstanceOf(ExecutionException.class)
        .hasStackTraceContaining("OUT_OF_RANGE")
        .hasStackTraceContaining("etcdserver: mvcc: required revision has been compacted");
  }
}
