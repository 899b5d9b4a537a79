package io.kvstore.client;

import io.kvstore.api.etcdserverpb.StatusRequest;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.server.process.MemberFlags;
import io.kvstore.server.process.ServerLauncher;
import io.kvstore.server.process.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A three-member cluster of real kv-server processes on 127.0.0.1, started with kv-server's
 * process helpers, and the {@link KvClient}s a test makes for it, all closed on {@link #close}.
 *
 * <p>Thread-safety: confined to the test thread, except {@link #client}'s clients, which are
 * thread-safe.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("ready to serve client requests");
  private static final Duration WAIT = Duration.ofSeconds(45);

  private final ServerLauncher launcher;
  private final List<MemberFlags> flags;
  private final List<ServerProcess> members = new ArrayList<>();
  private final List<KvClient> clients = new ArrayList<>();

  public ProcessCluster(Path dir) {
    launcher = new ServerLauncher(dir);
    flags = IntStream.rangeClosed(1, 3).mapToObj(i -> MemberFlags.of("m" + i, dir)).toList();
    flags.forEach(m -> members.add(launcher.start(m.name(), m.flags(flags))));
    members.forEach(m -> m.awaitLine(READY, WAIT));
  }

  public int size() {
    return members.size();
  }

  public String endpoint(int member) {
    return "127.0.0.1:" + flags.get(member).clientPort();
  }

  /** A client of the given members (all if none is given). */
  public KvClient client(Duration callTimeout, boolean requireLeader, int... only) {
    List<String> endpoints = only.length == 0
        ? IntStream.range(0, size()).mapToObj(this::endpoint).toList()
        : IntStream.of(only).mapToObj(this::endpoint).toList();
    KvClient c = KvClient.builder().endpoints(endpoints).callTimeout(callTimeout)
        .requireLeader(requireLeader).build();
    clients.add(c);
    return c;
  }

  /** Member {@code i}'s status, asked of it alone. */
  public StatusResponse status(int member) {
    return client(Duration.ofSeconds(10), false, member).maintenance()
        .status(StatusRequest.getDefaultInstance()).join();
  }

  /** The index of the member with etcd id {@code memberId}. */
  public int indexOf(long memberId) {
    for (int i = 0; i < size(); i++) {
      if (status(i).getHeader().getMemberId() == memberId) {
        return i;
      }
    }
    throw new IllegalStateException("no member has id " + Long.toHexString(memberId));
  }

  /** Kills member {@code i} with SIGKILL and waits until it is gone. */
  public void kill(int member) {
    members.get(member).kill();
  }

  /** The indexes of the members other than {@code member}. */
  public int[] others(int member) {
    return IntStream.range(0, size()).filter(i -> i != member).toArray();
  }

  @Override
  public void close() {
    clients.forEach(KvClient::close);
    launcher.close();
  }
}
