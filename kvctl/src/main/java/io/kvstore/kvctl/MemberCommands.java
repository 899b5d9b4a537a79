package io.kvstore.kvctl;

import io.kvstore.api.etcdserverpb.Member;
import io.kvstore.api.etcdserverpb.MemberAddRequest;
import io.kvstore.api.etcdserverpb.MemberAddResponse;
import io.kvstore.api.etcdserverpb.MemberListRequest;
import io.kvstore.api.etcdserverpb.MemberPromoteRequest;
import io.kvstore.api.etcdserverpb.MemberRemoveRequest;
import io.kvstore.api.etcdserverpb.MemberUpdateRequest;
import io.kvstore.client.KvClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** etcdctl's member commands: add, remove, update, list, promote. */
@Command(name = "member", description = "Membership related commands",
    subcommands = {MemberCommands.Add.class, MemberCommands.Remove.class,
        MemberCommands.Update.class, MemberCommands.ListMembers.class,
        MemberCommands.Promote.class})
final class MemberCommands extends Kvctl.Cmd implements Runnable {
  @Override
  public void run() {
    spec.commandLine().usage(root().out);
  }

  static long memberId(List<String> args) {
    if (args.size() != 1) {
      throw new KvctlException(ExitCodes.BAD_ARGS, "member ID is not provided");
    }
    try {
      return GoParse.parseUint(args.get(0), 16);
    } catch (NumberFormatException e) {
      throw new KvctlException(ExitCodes.BAD_ARGS,
          "bad member ID arg (" + e.getMessage() + "), expecting ID in Hex");
    }
  }

  @Command(name = "add", description = "Adds a member into the cluster",
      customSynopsis = "kvctl member add <memberName> [options]")
  static final class Add extends Kvctl.Cmd implements Runnable {
    @Option(names = "--peer-urls", defaultValue = "",
        description = "comma separated peer URLs for the new member.")
    String peerUrls;
    @Option(names = "--learner", arity = "0..1", fallbackValue = "true",
        description = "indicates if the new member is raft learner")
    boolean learner;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      if (args.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "member name not provided");
      }
      if (args.size() > 1) {
        StringBuilder ev = new StringBuilder("too many arguments");
        for (String s : args) {
          if (s.toLowerCase(Locale.ROOT).startsWith("http")) {
            ev.append(", did you mean --peer-urls=").append(s);
          }
        }
        throw new KvctlException(ExitCodes.BAD_ARGS, ev.toString());
      }
      String name = args.get(0);
      if (peerUrls.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "member peer urls not provided");
      }
      Kvctl root = root();
      Printer p = root.printer();
      MemberAddResponse r;
      try (KvClient c = root.client()) {
        r = Kvctl.await(c.cluster().add(MemberAddRequest.newBuilder()
            .addAllPeerURLs(Arrays.asList(peerUrls.split(",", -1))).setIsLearner(learner)
            .build()), ExitCodes.ERROR);
      }
      p.memberAdd(r);
      if (p.format == Printer.Format.SIMPLE) {
        long newId = r.getMember().getID();
        List<String> conf = new ArrayList<>();
        for (Member m : r.getMembersList()) {
          for (String u : m.getPeerURLsList()) {
            conf.add((m.getID() == newId ? name : m.getName()) + "=" + u);
          }
        }
        root.out.print("\n");
        root.out.print("ETCD_NAME=" + GoText.quote(name) + "\n");
        root.out.print("ETCD_INITIAL_CLUSTER=" + GoText.quote(String.join(",", conf)) + "\n");
        root.out.print("ETCD_INITIAL_ADVERTISE_PEER_URLS=" + GoText.quote(peerUrls) + "\n");
        root.out.print("ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n");
      }
    }
  }

  @Command(name = "remove", description = "Removes a member from the cluster",
      customSynopsis = "kvctl member remove <memberID>")
  static final class Remove extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      long id = memberId(args);
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        var r = Kvctl.await(c.cluster().remove(MemberRemoveRequest.newBuilder().setID(id)
            .build()), ExitCodes.ERROR);
        p.memberChange("removed from", id, r.getHeader(), r);
      }
    }
  }

  @Command(name = "update", description = "Updates a member in the cluster",
      customSynopsis = "kvctl member update <memberID> [options]")
  static final class Update extends Kvctl.Cmd implements Runnable {
    @Option(names = "--peer-urls", defaultValue = "",
        description = "comma separated peer URLs for the updated member.")
    String peerUrls;
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      long id = memberId(args);
      if (peerUrls.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "member peer urls not provided");
      }
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        var r = Kvctl.await(c.cluster().update(MemberUpdateRequest.newBuilder().setID(id)
            .addAllPeerURLs(Arrays.asList(peerUrls.split(",", -1))).build()), ExitCodes.ERROR);
        p.memberChange("updated in", id, r.getHeader(), r);
      }
    }
  }

  @Command(name = "list", description = "Lists all members in the cluster")
  static final class ListMembers extends Kvctl.Cmd implements Runnable {
    @Override
    public void run() {
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        p.memberList(Kvctl.await(c.cluster().list(MemberListRequest.getDefaultInstance()),
            ExitCodes.ERROR));
      }
    }
  }

  @Command(name = "promote", description = "Promotes a non-voting member in the cluster",
      customSynopsis = "kvctl member promote <memberID>")
  static final class Promote extends Kvctl.Cmd implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

    @Override
    public void run() {
      long id = memberId(args);
      Printer p = root().printer();
      try (KvClient c = root().client()) {
        var r = Kvctl.await(c.cluster().promote(MemberPromoteRequest.newBuilder().setID(id)
            .build()), ExitCodes.ERROR);
        p.memberChange("promoted in", id, r.getHeader(), r);
      }
    }
  }
}
