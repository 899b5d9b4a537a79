package io.kvstore.kvctl;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.DeleteRangeRequest;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.RangeResponse;
import io.kvstore.api.etcdserverpb.RequestOp;
import io.kvstore.api.etcdserverpb.TxnRequest;
import io.kvstore.api.etcdserverpb.TxnResponse;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.client.KvClient;
import io.kvstore.client.LeaseKeepAlive;
import io.kvstore.client.WatchHandle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * etcdctl's lock and elect, with etcd's client-side recipes (clientv3/concurrency) over the KV,
 * Lease and Watch APIs: the same keys ({@code <name>/<lease id in hex>}) under a session lease,
 * ordered by create revision, so kvctl and etcdctl (and the v3lock/v3election services) contend
 * for the same locks and elections.
 */
final class ConcurrencyCommands {
  private ConcurrencyCommands() {}

  /** A lease kept alive until closed, as concurrency.Session; closing revokes it. */
  static final class Session implements AutoCloseable {
    final KvClient client;
    final long lease;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final LeaseKeepAlive keepAlive;

    Session(KvClient client, long ttl) {
      this.client = client;
      this.lease = Kvctl.await(client.lease().grant(LeaseGrantRequest.newBuilder().setTTL(ttl)
          .build()), ExitCodes.ERROR).getID();
      this.keepAlive = client.lease().keepAlive(lease, new StreamObserver<>() {
        @Override
        public void onNext(LeaseKeepAliveResponse r) { }

        @Override
        public void onError(Throwable t) {
          done.complete(null);
        }

        @Override
        public void onCompleted() {
          done.complete(null);
        }
      });
    }

    @Override
    public void close() {
      keepAlive.close();
      try {
        client.lease().revoke(LeaseRevokeRequest.newBuilder().setID(lease).build())
            .get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the lease expires by itself
      }
    }
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /**
   * Creates {@code key} under the session lease unless it exists; returns its create revision
   * (concurrency's "myRev").
   */
  static long create(Session s, String prefix, String key, ByteString value) {
    TxnResponse r = Kvctl.await(s.client.kv().txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b(key)).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(key))
            .setValue(value).setLease(s.lease)))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()
            .setKey(b(key))))
        .build()), ExitCodes.ERROR);
    if (r.getSucceeded()) {
      return r.getHeader().getRevision();
    }
    KeyValue kv = r.getResponses(0).getResponseRange().getKvs(0);
    if (!kv.getValue().equals(value)) {
      Kvctl.await(s.client.kv().put(PutRequest.newBuilder().setKey(b(key)).setValue(value)
          .setLease(s.lease).build()), ExitCodes.ERROR);
    }
    return kv.getCreateRevision();
  }

  /** concurrency's waitDeletes: until no key under prefix was created before maxCreateRev. */
  static void waitDeletes(Session s, String prefix, long maxCreateRev)
      throws InterruptedException {
    while (true) {
      RangeResponse r = Kvctl.await(s.client.kv().range(RangeRequest.newBuilder()
          .setKey(b(prefix)).setRangeEnd(KvCommands.prefixEnd(b(prefix)))
          .setSortTarget(RangeRequest.SortTarget.CREATE)
          .setSortOrder(RangeRequest.SortOrder.DESCEND).setMaxCreateRevision(maxCreateRev)
          .setLimit(1).build()), ExitCodes.ERROR);
      if (r.getKvsCount() == 0) {
        return;
      }
      waitDelete(s.client, r.getKvs(0).getKey(), r.getHeader().getRevision(), s.done);
    }
  }

  private static void waitDelete(KvClient c, ByteString key, long rev,
      CompletableFuture<Void> sessionDone) throws InterruptedException {
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    WatchHandle h = c.watch().watch(WatchCreateRequest.newBuilder().setKey(key)
        .setStartRevision(rev + 1).build(), new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            for (Event e : r.getEventsList()) {
              if (e.getType() == Event.EventType.DELETE) {
                deleted.complete(null);
              }
            }
          }

          @Override
          public void onError(Throwable t) {
            deleted.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            deleted.complete(null);
          }
        });
    try {
      CompletableFuture.anyOf(deleted, sessionDone).get();
      if (sessionDone.isDone()) {
        throw new KvctlException(ExitCodes.ERROR, "session expired");
      }
    } catch (ExecutionException e) {
      throw new KvctlException(ExitCodes.ERROR, Kvctl.errorText(e.getCause()));
    } finally {
      h.cancel();
    }
  }

  static RangeResponse get(KvClient c, String key) {
    return Kvctl.await(c.kv().range(RangeRequest.newBuilder().setKey(b(key)).build()),
        ExitCodes.ERROR);
  }

  /** Blocks until interrupted (Ctrl-C) or the session ends; true if the session ended. */
  static boolean holdUntilInterrupted(Session s) {
    try {
      s.done.get();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /** Runs {@code body} with a hook that revokes the session if the JVM is told to stop. */
  static void withShutdownHook(Session s, Runnable body) {
    Thread hook = new Thread(s::close, "kvctl-session-close");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      body.run();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs
      }
    }
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
      try (KvClient c = root.client(); Session s = new Session(c, ttl)) {
        withShutdownHook(s, () -> {
          String prefix = args.get(0) + "/";
          String key = prefix + Long.toHexString(s.lease);
          long myRev;
          try {
            myRev = create(s, prefix, key, ByteString.EMPTY);
            waitDeletes(s, prefix, myRev - 1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          if (args.size() > 1) {
            ProcessBuilder pb = new ProcessBuilder(args.subList(1, args.size()))
                .redirectErrorStream(true);
            pb.environment().put("ETCD_LOCK_KEY", key);
            pb.environment().put("ETCD_LOCK_REV", Long.toString(myRev));
            try {
              Process proc = pb.start();
              proc.getInputStream().transferTo(root.out);
              int code = proc.waitFor();
              Kvctl.await(c.kv().delete(DeleteRangeRequest.newBuilder().setKey(b(key)).build()),
                  ExitCodes.ERROR);
              if (code != 0) {
                throw new KvctlException(ExitCodes.ERROR, "exit status " + code);
              }
            } catch (IOException e) {
              throw new KvctlException(ExitCodes.ERROR, e.getMessage());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return;
          }
          RangeResponse held = get(c, key);
          if (held.getKvsCount() == 0) {
            throw new KvctlException(ExitCodes.ERROR, "lock lost on init");
          }
          p.get(held);
          root.out.flush();
          if (holdUntilInterrupted(s)) {
            throw new KvctlException(ExitCodes.ERROR, "session expired");
          }
          c.kv().delete(DeleteRangeRequest.newBuilder().setKey(b(key)).build());
        });
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
      try (KvClient c = root.client(); Session s = new Session(c, 60)) {
        String prefix = args.get(0) + "/";
        if (listen) {
          observe(root, c, p, prefix);
          return;
        }
        withShutdownHook(s, () -> {
          String key = prefix + Long.toHexString(s.lease);
          try {
            long rev = create(s, prefix, key, b(args.get(1)));
            waitDeletes(s, prefix, rev - 1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          p.get(get(c, key));
          root.out.flush();
          if (holdUntilInterrupted(s)) {
            throw new KvctlException(ExitCodes.ERROR, "elect: session expired");
          }
          c.kv().delete(DeleteRangeRequest.newBuilder().setKey(b(key)).build());
        });
      }
    }

    /** Prints the leader (key and value) each time it changes, until interrupted. */
    private static void observe(Kvctl root, KvClient c, Printer p, String prefix) {
      LinkedBlockingQueue<Object> changes = new LinkedBlockingQueue<>();
      WatchHandle h = c.watch().watch(WatchCreateRequest.newBuilder().setKey(b(prefix))
          .setRangeEnd(KvCommands.prefixEnd(b(prefix))).build(), new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
              changes.add(r);
            }

            @Override
            public void onError(Throwable t) {
              changes.add(t);
            }

            @Override
            public void onCompleted() {
              changes.add(new Object());
            }
          });
      KeyValue last = null;
      try {
        while (true) {
          RangeResponse r = Kvctl.await(c.kv().range(RangeRequest.newBuilder().setKey(b(prefix))
              .setRangeEnd(KvCommands.prefixEnd(b(prefix))).setLimit(1)
              .setSortTarget(RangeRequest.SortTarget.CREATE)
              .setSortOrder(RangeRequest.SortOrder.ASCEND).build()), ExitCodes.ERROR);
          KeyValue leader = r.getKvsCount() == 0 ? null : r.getKvs(0);
          if (leader != null && (last == null || !last.getKey().equals(leader.getKey())
              || !last.getValue().equals(leader.getValue()))) {
            p.get(r);
            root.out.flush();
          }
          last = leader;
          Object next = changes.take();
          if (next instanceof Throwable || !(next instanceof WatchResponse)) {
            throw new KvctlException(ExitCodes.ERROR, "elect: observer lost");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        h.cancel();
      }
    }
  }
}
