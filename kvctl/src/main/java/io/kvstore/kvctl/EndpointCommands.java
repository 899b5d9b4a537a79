package io.kvstore.kvctl;

import io.kvstore.api.etcdserverpb.HashKVRequest;
import io.kvstore.api.etcdserverpb.Member;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.StatusRequest;
import io.kvstore.client.KvClient;
import io.kvstore.server.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * etcdctl's endpoint commands: health, status, hashkv. Each endpoint is asked on a connection of
 * its own, so the answer is that member's.
 */
@Command(name = "endpoint", description = "Endpoint related commands",
    subcommands = {EndpointCommands.Health.class, EndpointCommands.Status.class,
        EndpointCommands.HashKv.class})
final class EndpointCommands extends Kvctl.Cmd implements Runnable {
  @Option(names = "--cluster", arity = "0..1", fallbackValue = "true", scope = ScopeType.INHERIT,
      description = "use all endpoints from the cluster member list")
  boolean cluster;

  @Override
  public void run() {
    spec.commandLine().usage(root().out);
  }

  /** The --endpoints, or with --cluster every member's client URLs. */
  static List<String> endpoints(Kvctl root, boolean cluster) {
    if (!cluster) {
      return root.endpoints();
    }
    try (KvClient c = root.client()) {
      var r = Kvctl.await(c.cluster().list(MemberListRequest.getDefaultInstance()),
          ExitCodes.ERROR, "failed to fetch endpoints from etcd cluster member list: ");
      List<String> eps = new ArrayList<>();
      for (Member m : r.getMembersList()) {
        eps.addAll(m.getClientURLsList());
      }
      return eps;
    }
  }

  @Command(name = "health",
      description = "Checks the healthiness of endpoints specified in `--endpoints` flag")
  static final class Health extends Kvctl.Cmd implements Runnable {
    @Override
    public void run() {
      Kvctl root = root();
      Printer p = root.printer();
      boolean cluster = ((EndpointCommands) spec.parent().userObject()).cluster;
      List<String> eps = endpoints(root, cluster);
      List<KvClient> clients = new ArrayList<>();
      List<CompletableFuture<Printer.Health>> checks = new ArrayList<>();
      try {
        for (String ep : eps) {
          KvClient c = root.client(List.of(ep));
          clients.add(c);
          long start = System.nanoTime();
          checks.add(c.kv().range(RangeRequest.newBuilder()
              .setKey(KvCommands.bytes("health")).build()).handle((r, t) -> {
                String took = GoDuration.format(Duration.ofNanos(System.nanoTime() - start));
                Throwable cause = t instanceof java.util.concurrent.CompletionException
                    ? t.getCause() : t;
                return cause == null ? new Printer.Health(ep, true, took, "")
                    : new Printer.Health(ep, false, took, Kvctl.errorText(cause));
              }));
        }
        List<Printer.Health> list = checks.stream().map(CompletableFuture::join).toList();
        p.endpointHealth(list);
        if (list.stream().anyMatch(h -> !h.error().isEmpty())) {
          throw new KvctlException(ExitCodes.ERROR, "unhealthy cluster");
        }
      } finally {
        clients.forEach(KvClient::close);
      }
    }
  }

  @Command(name = "status",
      description = "Prints out the status of endpoints specified in `--endpoints` flag")
  static final class Status extends Kvctl.Cmd implements Runnable {
    @Override
    public void run() {
      Kvctl root = root();
      Printer p = root.printer();
      boolean cluster = ((EndpointCommands) spec.parent().userObject()).cluster;
      List<Printer.EpStatus> list = new ArrayList<>();
      boolean failed = false;
      for (String ep : endpoints(root, cluster)) {
        try (KvClient c = root.client(List.of(ep))) {
          list.add(new Printer.EpStatus(ep, Kvctl.await(
              c.maintenance().status(StatusRequest.getDefaultInstance()), ExitCodes.ERROR)));
        } catch (KvctlException e) {
          failed = true;
          root.err.print("Failed to get the status of endpoint " + ep + " (" + e.getMessage()
              + ")\n");
        }
      }
      p.endpointStatus(list);
      if (failed) {
        throw KvctlException.silent(ExitCodes.ERROR);
      }
    }
  }

  @Command(name = "hashkv",
      description = "Prints the KV history hash for each endpoint in --endpoints")
  static final class HashKv extends Kvctl.Cmd implements Runnable {
    @Option(names = "--rev", defaultValue = "0",
        description = "maximum revision to hash (default: all revisions)")
    long rev;

    @Override
    public void run() {
      Kvctl root = root();
      Printer p = root.printer();
      boolean cluster = ((EndpointCommands) spec.parent().userObject()).cluster;
      List<Printer.EpHash> list = new ArrayList<>();
      String error = null;
      for (String ep : endpoints(root, cluster)) {
        try (KvClient c = root.client(List.of(ep))) {
          list.add(new Printer.EpHash(ep, Kvctl.await(c.maintenance().hashKv(
              HashKVRequest.newBuilder().setRevision(rev).build()), ExitCodes.ERROR)));
        } catch (KvctlException e) {
          error = e.getMessage();
          root.err.print("Failed to get the hash of endpoint " + ep + " (" + e.getMessage()
              + ")\n");
        }
      }
      p.endpointHashKv(list);
      if (error != null) {
        throw new KvctlException(ExitCodes.ERROR, error);
      }
    }
  }
}
