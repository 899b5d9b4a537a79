package io.kvstore.kvctl;

import io.grpc.stub.StreamObserver;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchResponse;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.client.KvClient;
import io.kvstore.client.WatchHandle;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * etcdctl's watch: prints events as they come until interrupted; with {@code -- cmd args} runs
 * the command for every event (with ETCD_WATCH_* in its environment); {@code -i} reads {@code
 * watch ...} and {@code progress} lines from stdin.
 */
@Command(name = "watch", description = "Watches events stream on keys or prefixes",
    customSynopsis = "kvctl watch [options] [key or prefix] [range_end] [--] "
        + "[exec-command arg1 arg2 ...]")
final class WatchCommand extends Kvctl.Cmd implements Runnable {
  @Option(names = {"-i", "--interactive"}, arity = "0..1", fallbackValue = "true",
      description = "Interactive mode")
  boolean interactive;
  @Option(names = "--prefix", arity = "0..1", fallbackValue = "true",
      description = "Watch on a prefix if prefix is set")
  boolean prefix;
  @Option(names = "--rev", defaultValue = "0", description = "Revision to start watching")
  long rev;
  @Option(names = "--prev-kv", arity = "0..1", fallbackValue = "true",
      description = "get the previous key-value pair before the event happens")
  boolean prevKv;
  @Parameters(arity = "0..*", paramLabel = "ARG") List<String> args = new ArrayList<>();

  @Override
  public void run() {
    Kvctl root = root();
    String envKey = root.env.getOrDefault("ETCDCTL_WATCH_KEY", "");
    String envRange = root.env.getOrDefault("ETCDCTL_WATCH_RANGE_END", "");
    if (envKey.isEmpty() && !envRange.isEmpty()) {
      throw new KvctlException(ExitCodes.BAD_ARGS, "ETCDCTL_WATCH_KEY is empty but got "
          + "ETCDCTL_WATCH_RANGE_END=" + GoText.quote(envRange));
    }
    Printer p = root.printer();
    try (KvClient c = root.client()) {
      if (interactive) {
        interactive(root, c, p);
        return;
      }
      List<String> watchArgs = new ArrayList<>();
      List<String> exec = new ArrayList<>();
      split(spec.commandLine().getParseResult().originalArgs(), watchArgs, exec);
      if (!envKey.isEmpty()) {
        if (!watchArgs.isEmpty()) {
          throw new KvctlException(ExitCodes.BAD_ARGS,
              "bad number of arguments (found conflicting environment key)");
        }
        watchArgs.add(envKey);
        if (!envRange.isEmpty()) {
          watchArgs.add(envRange);
        }
      }
      if (watchArgs.isEmpty()) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "bad number of arguments");
      }
      CompletableFuture<Void> ended = new CompletableFuture<>();
      WatchHandle h = start(root, c, p, watchArgs, exec, prefix, rev, prevKv, ended);
      try {
        ended.get();
      } catch (InterruptedException e) {
        h.cancel();
        Thread.currentThread().interrupt();
        throw new KvctlException(ExitCodes.INTERRUPTED, "interrupted");
      } catch (ExecutionException e) {
        root.err.print("watch was canceled (" + Kvctl.errorText(e.getCause()) + ")\n");
      }
      throw new KvctlException(ExitCodes.INTERRUPTED, "watch is canceled by the server");
    }
  }

  /** The positional words before and after "--" as given on the command line. */
  private void split(List<String> original, List<String> watchArgs, List<String> exec) {
    int sep = original.indexOf("--");
    if (sep >= 0 && sep == original.size() - 1) {
      throw new KvctlException(ExitCodes.BAD_ARGS,
          "bad number of arguments (found separator --, but no commands)");
    }
    if (sep >= 0) {
      exec.addAll(original.subList(sep + 1, original.size()));
      watchArgs.addAll(args.subList(0, Math.max(0, args.size() - exec.size())));
    } else {
      watchArgs.addAll(args);
    }
  }

  private static WatchHandle start(Kvctl root, KvClient c, Printer p, List<String> watchArgs,
      List<String> exec, boolean prefix, long rev, boolean prevKv,
      CompletableFuture<Void> ended) {
    WatchCreateRequest.Builder w = WatchCreateRequest.newBuilder()
        .setKey(KvCommands.bytes(watchArgs.get(0))).setStartRevision(rev).setPrevKv(prevKv);
    if (watchArgs.size() == 2) {
      if (prefix) {
        throw new KvctlException(ExitCodes.BAD_ARGS,
            "`range_end` and `--prefix` are mutually exclusive");
      }
      w.setRangeEnd(KvCommands.bytes(watchArgs.get(1)));
    } else if (watchArgs.size() > 2) {
      throw new KvctlException(ExitCodes.BAD_ARGS, "bad number of arguments");
    }
    if (prefix) {
      if (w.getKey().isEmpty()) {
        w.setKey(KvCommands.ZERO).setRangeEnd(KvCommands.ZERO);
      } else {
        w.setRangeEnd(KvCommands.prefixEnd(w.getKey()));
      }
    }
    return c.watch().watch(w.build(), new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        synchronized (p) {
          p.watch(r);
          root.out.flush();
          for (Event e : r.getEventsList()) {
            if (!exec.isEmpty()) {
              runExec(root, exec, r, e);
            }
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        ended.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    });
  }

  private static void runExec(Kvctl root, List<String> exec, WatchResponse r, Event e) {
    ProcessBuilder pb = new ProcessBuilder(exec).redirectErrorStream(true);
    pb.environment().put("ETCD_WATCH_REVISION", Long.toString(r.getHeader().getRevision()));
    pb.environment().put("ETCD_WATCH_EVENT_TYPE", GoText.quote(e.getType().name()));
    pb.environment().put("ETCD_WATCH_KEY", GoText.quote(e.getKv().getKey().toByteArray()));
    pb.environment().put("ETCD_WATCH_VALUE", GoText.quote(e.getKv().getValue().toByteArray()));
    try {
      Process proc = pb.start();
      proc.getInputStream().transferTo(root.out);
      if (proc.waitFor() != 0) {
        root.err.print("command " + exec + " error (exit status " + proc.exitValue() + ")\n");
      }
    } catch (IOException ex) {
      root.err.print("command " + exec + " error (" + ex.getMessage() + ")\n");
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  private void interactive(Kvctl root, KvClient c, Printer p) {
    BufferedReader reader = new BufferedReader(new InputStreamReader(root.in,
        StandardCharsets.UTF_8));
    List<WatchHandle> handles = new ArrayList<>();
    try {
      String line;
      while ((line = reader.readLine()) != null) {
        List<String> words = GoParse.argify(line);
        if (words.isEmpty()) {
          root.err.print("Invalid command: " + line + " (watch and progress supported)\n");
          continue;
        }
        switch (words.get(0)) {
          case "watch" -> {
            WatchCommand w = new WatchCommand();
            try {
              new CommandLine(w).parseArgs(words.subList(1, words.size())
                  .toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
              throw new KvctlException(ExitCodes.BAD_ARGS, e.getMessage());
            }
            List<String> watchArgs = new ArrayList<>();
            List<String> exec = new ArrayList<>();
            int sep = words.indexOf("--");
            if (sep >= 0) {
              exec.addAll(words.subList(sep + 1, words.size()));
            }
            watchArgs.addAll(w.args.subList(0, w.args.size() - exec.size()));
            if (watchArgs.isEmpty()) {
              root.err.print("Invalid command " + line
                  + " (command type or key is not provided)\n");
              continue;
            }
            try {
              handles.add(start(root, c, p, watchArgs, exec, w.prefix, w.rev, w.prevKv,
                  new CompletableFuture<>()));
            } catch (KvctlException e) {
              root.err.print("Invalid command " + line + " (" + e.getMessage() + ")\n");
            }
          }
          case "progress" -> handles.forEach(WatchHandle::requestProgress);
          default -> root.err.print("Invalid command " + line + " (only support watch)\n");
        }
      }
    } catch (IOException e) {
      throw new KvctlException(ExitCodes.INVALID_INPUT,
          "Error reading watch request line: " + e.getMessage());
    } finally {
      handles.forEach(WatchHandle::cancel);
    }
    throw new KvctlException(ExitCodes.INVALID_INPUT, "Error reading watch request line: EOF");
  }
}
