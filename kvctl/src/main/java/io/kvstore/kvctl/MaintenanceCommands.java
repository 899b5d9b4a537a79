package io.kvstore.kvctl;

import io.kvstore.api.etcdserverpb.AlarmRequest;
import io.kvstore.api.etcdserverpb.AlarmType;
import io.kvstore.api.etcdserverpb.DefragmentRequest;
import io.kvstore.api.etcdserverpb.MoveLeaderRequest;
import io.kvstore.api.etcdserverpb.StatusRequest;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.client.KvClient;
import io.kvstore.server.backend.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** etcdctl's alarm, defrag and move-leader commands. */
final class MaintenanceCommands {
  private MaintenanceCommands() {}

  @Command(name = "alarm", description = "Alarm related commands",
      subcommands = {Alarm.Disarm.class, Alarm.ListAlarms.class})
  static final class Alarm extends Kvctl.Cmd implements Runnable {
    @Override
    public void run() {
      spec.commandLine().usage(root().out);
    }

    static void call(Kvctl root, List<String> args, String name, AlarmRequest.AlarmAction a) {
      if (!args.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "alarm " + name + " command accepts no arguments");
      }
      Printer p = root.printer();
      try (KvClient c = root.client()) {
        p.alarm(Kvctl.await(c.maintenance().alarm(AlarmRequest.newBuilder().setAction(a)
            .setMemberID(0).setAlarm(AlarmType.NONE).build()), ExitCodes.ERROR));
      }
    }

    @Command(name = "disarm", description = "Disarms all alarms")
    static final class Disarm extends Kvctl.Cmd implements Runnable {
      @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

      @Override
      public void run() {
        call(root(), args, "disarm", AlarmRequest.AlarmAction.DEACTIVATE);
      }
    }

    @Command(name = "list", description = "Lists all alarms")
    static final class ListAlarms extends Kvctl.Cmd implements Runnable {
      @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

      @Override
      public void run() {
        call(root(), args, "list", AlarmRequest.AlarmAction.GET);
      }
    }
  }

  @Command(name = "defrag",
      description = "Defragments the storage of the etcd members with given endpoints")
  static final class Defrag extends Kvctl.Cmd implements Runnable {
    @Option(names = "--cluster", arity = "0..1", fallbackValue = "true",
        description = "use all endpoints from the cluster member list")
    boolean cluster;
    @Option(names = "--data-dir", defaultValue = "",
        description = "Optional. If present, defragments a kvstore data directory not in use by "
            + "kv-server (its member/db).")
    String dataDir;

    @Override
    public void run() {
      Kvctl root = root();
      if (!dataDir.isEmpty()) {
        Path db = Path.of(dataDir, "member", "db");
        try {
          if (!Files.isDirectory(db)) {
            throw new IllegalStateException("no backend at " + db);
          }
          try (Backend b = Backend.open(db)) {
            b.defragment();
          }
        } catch (RuntimeException e) {
          root.err.print("Failed to defragment etcd data[" + dataDir + "] (" + e.getMessage()
              + ")\n");
          throw KvctlException.silent(ExitCodes.ERROR);
        }
        return;
      }
      int failures = 0;
      for (String ep : EndpointCommands.endpoints(root, cluster)) {
        try (KvClient c = root.client(List.of(ep))) {
          Kvctl.await(c.maintenance().defragment(DefragmentRequest.getDefaultInstance()),
              ExitCodes.ERROR);
          root.out.print("Finished defragmenting etcd member[" + ep + "]\n");
        } catch (KvctlException e) {
          root.err.print("Failed to defragment etcd member[" + ep + "] (" + e.getMessage()
              + ")\n");
          failures++;
        }
      }
      if (failures != 0) {
        throw KvctlException.silent(ExitCodes.ERROR);
      }
    }
  }

  @Command(name = "move-leader",
      description = "Transfers leadership to another etcd cluster member.",
      customSynopsis = "kvctl move-leader <transferee-member-id>")
  static final class MoveLeader extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.size() != 1) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "move-leader command needs 1 argument");
      }
      long target;
      try {
        target = GoParse.parseUint(args.get(0), 16);
      } catch (NumberFormatException e) {
        throw new KvctlException(ExitCodes.BAD_ARGS, e.getMessage());
      }
      Kvctl root = root();
      Printer p = root.printer();
      List<String> eps = root.endpoints();
      for (String ep : eps) {
        try (KvClient c = root.client(List.of(ep))) {
          StatusResponse s = Kvctl.await(c.maintenance().status(StatusRequest
              .getDefaultInstance()), ExitCodes.ERROR);
          if (s.getHeader().getMemberId() == s.getLeader()) {
            var r = Kvctl.await(c.maintenance().moveLeader(MoveLeaderRequest.newBuilder()
                .setTargetID(target).build()), ExitCodes.ERROR);
            p.moveLeader(s.getLeader(), target, r);
            return;
          }
        }
      }
      throw new KvctlException(ExitCodes.BAD_ARGS, "no leader endpoint given at "
          + "[" + String.join(" ", eps) + "]");
    }
  }
}
