package io.kvstore.kvctl;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.LeaseGrantRequest;
import io.kvstore.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvstore.api.etcdserverpb.LeaseLeasesRequest;
import io.kvstore.api.etcdserverpb.LeaseRevokeRequest;
import io.kvstore.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvstore.client.KvClient;
import io.kvstore.client.LeaseKeepAlive;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** etcdctl's lease commands: grant, revoke, timetolive, list, keep-alive. */
@Command(name = "lease", description = "Lease related commands",
    subcommands = {LeaseCommands.Grant.class, LeaseCommands.Revoke.class,
        LeaseCommands.TimeToLive.class, LeaseCommands.ListLeases.class,
        LeaseCommands.KeepAlive.class})
final class LeaseCommands extends Kvctl.Cmd implements Runnable {
  @Override
  public void run() {
    spec.commandLine().usage(root().out);
  }

  /** A lease id argument in hex, or etcdctl's error (exit code 128). */
  static long leaseId(String arg) {
    try {
      return GoParse.parseInt(arg, 16);
    } catch (NumberFormatException e) {
      throw new KvctlException(ExitCodes.BAD_ARGS,
          "bad lease ID arg (" + e.getMessage() + "), expecting ID in Hex");
    }
  }

  @Command(name = "grant", description = "Creates leases", customSynopsis = "kvctl lease grant <ttl>")
  static final class Grant extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "lease grant command needs TTL argument");
      }
      long ttl;
      try {
        ttl = GoParse.parseInt(args.get(0), 10);
      } catch (NumberFormatException e) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "bad TTL (" + e.getMessage() + ")");
      }
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        p.grant(Kvctl.await(c.lease().grant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()),
            ExitCodes.ERROR, "failed to grant lease (", ")"));
      }
    }
  }

  @Command(name = "revoke", description = "Revokes leases",
      customSynopsis = "kvctl lease revoke <leaseID>")
  static final class Revoke extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "lease revoke command needs 1 argument");
      }
      long id = leaseId(args.get(0));
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        p.revoke(id, Kvctl.await(c.lease().revoke(LeaseRevokeRequest.newBuilder().setID(id)
            .build()), ExitCodes.ERROR, "failed to revoke lease (", ")"));
      }
    }
  }

  @Command(name = "timetolive", description = "Get lease information",
      customSynopsis = "kvctl lease timetolive <leaseID> [options]")
  static final class TimeToLive extends Kvctl.Cmd implements Runnable {
    @Option(names = "--keys", arity = "0..1", fallbackValue = "true",
        description = "Get keys attached to this lease")
    boolean keys;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "lease timetolive command needs lease ID as argument");
      }
      long id = leaseId(args.get(0));
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        p.timeToLive(Kvctl.await(c.lease().timeToLive(LeaseTimeToLiveRequest.newBuilder()
            .setID(id).setKeys(keys).build()), ExitCodes.BAD_CONNECTION), keys);
      }
    }
  }

  @Command(name = "list", description = "List all active leases")
  static final class ListLeases extends Kvctl.Cmd implements Runnable {
    @Override
    public void run() {
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        p.leases(Kvctl.await(c.lease().leases(LeaseLeasesRequest.getDefaultInstance()),
            ExitCodes.BAD_CONNECTION));
      }
    }
  }

  @Command(name = "keep-alive", description = "Keeps leases alive (renew)",
      customSynopsis = "kvctl lease keep-alive [options] <leaseID>")
  static final class KeepAlive extends Kvctl.Cmd implements Runnable {
    @Option(names = "--once", arity = "0..1", fallbackValue = "true",
        description = "Resets the keep-alive time to its original value and exits immediately")
    boolean once;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "lease keep-alive command needs lease ID as argument");
      }
      long id = leaseId(args.get(0));
      Kvctl root = root();
      Printer p = root.printer();
      try (KvClient c = root.client()) {
        if (once) {
          p.keepAlive(Kvctl.await(c.lease().keepAliveOnce(id), ExitCodes.BAD_CONNECTION));
          return;
        }
        CompletableFuture<Void> ended = new CompletableFuture<>();
        LeaseKeepAlive handle = c.lease().keepAlive(id, new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            synchronized (p) {
              p.keepAlive(r);
              root.out.flush();
            }
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(null);
          }

          @Override
          public void onCompleted() {
            ended.complete(null);
          }
        });
        try {
          ended.get();
        } catch (InterruptedException e) {
          handle.close();
          Thread.currentThread().interrupt();
          throw new KvctlException(ExitCodes.INTERRUPTED, "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException(e);
        }
        if (p.format == Printer.Format.SIMPLE) {
          root.out.print(String.format("lease %016x expired or revoked.\n", id));
        }
      }
    }
  }
}
