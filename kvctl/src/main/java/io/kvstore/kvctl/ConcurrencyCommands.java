package io.kvstore.kvctl;

import com.google.protobuf.ByteString;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvCoordinationStore;
import io.kvstore.lease.CoordinationStore;
import io.kvstore.lease.DistributedLock;
import io.kvstore.lease.Election;
import io.kvstore.lease.KeyValue;
import io.kvstore.lease.Leadership;
import io.kvstore.lease.Session;
import io.kvstore.lease.SessionLoss;
import io.kvstore.lease.SessionLostException;
import io.kvstore.lease.SessionOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * etcdctl's lock and elect over lease-api's recipes ({@link Session}, {@link DistributedLock},
 * {@link Election}) on a {@link KvCoordinationStore}: the same keys ({@code <name>/<lease id in
 * hex>}) under a session lease, ordered by create revision, so kvctl and etcdctl (and the
 * v3lock/v3election services) contend for the same locks and elections.
 */
final class ConcurrencyCommands {
  /** How long releasing a lock, a leadership or the session waits for the store. */
  private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);

  private ConcurrencyCommands() {}

  /**
   * One command's session, as etcdctl's {@code concurrency.NewSession}: its lease is renewed
   * every third of the TTL and the session ends once a whole TTL passes unconfirmed. Closing it,
   * or the JVM being told to stop (Ctrl-C), revokes the lease and so deletes its keys.
   */
  static final class SessionScope implements AutoCloseable {
    final CoordinationStore store;
    final Session session;
    private final ScheduledExecutorService scheduler;
    private final Thread hook;

    SessionScope(KvClient client, long ttlSeconds) {
      store = new KvCoordinationStore(client);
      scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kvctl-session");
        t.setDaemon(true);
        return t;
      });
      try {
        // concurrency.WithTTL ignores a TTL <= 0 and keeps its 60 s default
        SessionOptions options = ttlSeconds > 0
            ? SessionOptions.ofTtl(Duration.ofSeconds(ttlSeconds)) : SessionOptions.defaults();
        session = Kvctl.await(Session.open(store, options, scheduler), ExitCodes.ERROR);
      } catch (RuntimeException e) {
        scheduler.shutdownNow();
        throw e;
      }
      hook = new Thread(() -> settle(session.closeAsync()), "kvctl-session-close");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Waits for a lock or leadership; null if interrupted (Ctrl-C), having withdrawn. A session
     * that ends first is etcdctl's "session expired".
     */
    Leadership acquire(CompletableFuture<Leadership> attempt) {
      try {
        return attempt.get();
      } catch (InterruptedException e) {
        attempt.cancel(false);
        Thread.currentThread().interrupt();
        return null;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
            ? c.getCause() : e.getCause();
        throw new KvctlException(ExitCodes.ERROR, cause instanceof SessionLostException
            ? "session expired" : Kvctl.errorText(cause));
      }
    }

    /**
     * Blocks until interrupted (Ctrl-C) or the session ends; true if it ended other than by the
     * shutdown hook closing it.
     */
    boolean holdUntilInterrupted() {
      try {
        return session.lost().toCompletableFuture().get().reason() != SessionLoss.Reason.CLOSED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException e) {
        return true;
      }
    }

    /** Revokes the session (deleting its keys) and stops renewing. */
    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook revokes
      }
      settle(session.closeAsync());
      scheduler.shutdownNow();
    }
  }

  /**
   * Waits up to {@link #RELEASE_WAIT} for a release to reach the store, even after Ctrl-C, which
   * is exactly when it must be sent; a failure is ignored, as the lease expires by itself.
   */
  static void settle(CompletableFuture<?> release) {
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + RELEASE_WAIT.toNanos();
    try {
      while (true) {
        try {
          release.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException | TimeoutException | CancellationException e) {
          return;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static RangeResponse get(KvClient c, String key) {
    return Kvctl.await(c.kv().range(RangeRequest.newBuilder().setKey(b(key)).build()),
        ExitCodes.ERROR);
  }

  @Command(name = "lock", description = "Acquires a named lock",
      customSynopsis = "kvctl lock <lockname> [exec-command arg1 arg2 ...]")
  static final class Lock extends Kvctl.Cmd implements Runnable {
    @Option(names = "--ttl", defaultValue = "10", description = "timeout for session")
    int ttl;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() > 1 && args.get(1).equals("--")) {
        args.remove(1);
      }
      if (args.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "lock takes a lock name argument and an optional command to execute");
      }
      Kvctl root = root();
      Printer p = root.printer();
      try (KvClient c = root.client(); SessionScope s = new SessionScope(c, ttl)) {
        DistributedLock lock = new DistributedLock(s.store, args.get(0));
        Leadership held = s.acquire(lock.lock(s.session));
        if (held == null) {
          return;
        }
        if (args.size() > 1) {
          runLocked(root, lock, held);
          return;
        }
        RangeResponse r = get(c, held.key());
        if (r.getKvsCount() == 0) {
          throw new KvctlException(ExitCodes.ERROR, "lock lost on init");
        }
        p.get(r);
        root.out.flush();
        if (s.holdUntilInterrupted()) {
          throw new KvctlException(ExitCodes.ERROR, "session expired");
        }
        settle(lock.unlock(held));
      }
    }

    /** Runs the command with the lock's key and revision in its environment, then unlocks. */
    private void runLocked(Kvctl root, DistributedLock lock, Leadership held) {
      ProcessBuilder pb = new ProcessBuilder(args.subList(1, args.size()))
          .redirectErrorStream(true);
      pb.environment().put("ETCD_LOCK_KEY", held.key());
      pb.environment().put("ETCD_LOCK_REV", Long.toString(held.fencingToken()));
      try {
        Process proc = pb.start();
        proc.getInputStream().transferTo(root.out);
        int code = proc.waitFor();
        Kvctl.await(lock.unlock(held), ExitCodes.ERROR);
        if (code != 0) {
          throw new KvctlException(ExitCodes.ERROR, "exit status " + code);
        }
      } catch (IOException e) {
        throw new KvctlException(ExitCodes.ERROR, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Command(name = "elect", description = "Observes and participates in leader election",
      customSynopsis = "kvctl elect <election-name> [proposal]")
  static final class Elect extends Kvctl.Cmd implements Runnable {
    @Option(names = {"-l", "--listen"}, arity = "0..1", fallbackValue = "true",
        description = "observation mode")
    boolean listen;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1 && args.size() != 2) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "elect takes one election name argument "
            + "and an optional proposal argument");
      }
      if (args.size() == 1 && !listen) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "no proposal argument but -l not set");
      }
      if (args.size() == 2 && listen) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "proposal given but -l is set");
      }
      Kvctl root = root();
      Printer p = root.printer();
      try (KvClient c = root.client(); SessionScope s = new SessionScope(c, 60)) {
        Election election = new Election(s.store, args.get(0));
        if (listen) {
          observe(root, c, p, election);
          return;
        }
        Leadership term = s.acquire(election.campaign(s.session, args.get(1)));
        if (term == null) {
          return;
        }
        p.get(get(c, term.key()));
        root.out.flush();
        if (s.holdUntilInterrupted()) {
          throw new KvctlException(ExitCodes.ERROR, "elect: session expired");
        }
        settle(election.resign(term));
      }
    }

    /** Prints the leader (key and value) each time it changes, until interrupted. */
    private static void observe(Kvctl root, KvClient c, Printer p, Election election) {
      LinkedBlockingQueue<Object> leaders = new LinkedBlockingQueue<>();
      AutoCloseable observer = election.observe(leaders::add, leaders::add);
      try {
        while (true) {
          Object next = leaders.take();
          if (next instanceof Throwable) {
            throw new KvctlException(ExitCodes.ERROR, "elect: observer lost");
          }
          p.get(leaderResponse(c, (KeyValue) next));
          root.out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        try {
          observer.close();
        } catch (Exception e) {
          // the watch ends with the client
        }
      }
    }

    /**
     * The leader as a Get of its key returns it (with header and version), or as observed if
     * the key has changed since.
     */
    private static RangeResponse leaderResponse(KvClient c, KeyValue leader)
        throws InterruptedException {
      try {
        RangeResponse r = c.kv().range(RangeRequest.newBuilder().setKey(b(leader.key()))
            .build()).get();
        if (r.getKvsCount() == 1 && r.getKvs(0).getModRevision() == leader.modRevision()) {
          return r;
        }
      } catch (ExecutionException e) {
        // printed as observed
      }
      return RangeResponse.newBuilder().setCount(1).addKvs(io.kvstore.api.mvccpb.KeyValue
          .newBuilder().setKey(b(leader.key())).setValue(ByteString.copyFrom(leader.value()))
          .setCreateRevision(leader.createRevision()).setModRevision(leader.modRevision())
          .setLease(leader.leaseId())).build();
    }
  }
}
