package io.kvstore.kvctl;

import io.grpc.Status;
import io.kvstore.client.EtcdException;
import io.kvstore.client.KvClient;
import io.kvstore.client.KvClientException;
import io.kvstore.server.GoDuration;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * kvctl, the command line of kvstore: etcdctl 3.4's commands, flags, output formats and exit
 * codes over the etcd v3 API, so it works against kvstore and etcd alike (only {@code snapshot
 * status} and {@code snapshot restore} read kvstore's snapshot format).
 *
 * <p>Thread-safety: one instance runs one command line; {@link #run} may be called from any
 * thread, with its own streams, so tests run kvctl in-process.
 */
@Command(name = "kvctl", description = "A simple command line client for etcd3 and kvstore.",
    subcommands = {
        KvCommands.Get.class, KvCommands.Put.class, KvCommands.Del.class, KvCommands.Txn.class,
        KvCommands.Compaction.class, MaintenanceCommands.Alarm.class,
        MaintenanceCommands.Defrag.class, EndpointCommands.class,
        MaintenanceCommands.MoveLeader.class, WatchCommand.class, Kvctl.Version.class,
        LeaseCommands.class, MemberCommands.class, SnapshotCommands.class,
        ConcurrencyCommands.Lock.class, ConcurrencyCommands.Elect.class, CheckCommands.class,
        Kvctl.Completion.class},
    usageHelpAutoWidth = true)
public final class Kvctl implements Runnable {
  static final String VERSION = "0.1.0-SNAPSHOT";

  @Option(names = "--endpoints", split = ",", scope = ScopeType.INHERIT,
      description = "gRPC endpoints (default: 127.0.0.1:2379; also $KVCTL_ENDPOINTS or "
          + "$ETCDCTL_ENDPOINTS)")
  List<String> endpoints = new ArrayList<>();

  @Option(names = "--debug", arity = "0..1", fallbackValue = "true", scope = ScopeType.INHERIT,
      description = "enable client-side debug logging")
  boolean debug;

  @Option(names = {"-w", "--write-out"}, defaultValue = "simple", scope = ScopeType.INHERIT,
      description = "set the output format (fields, json, protobuf, simple, table)")
  String writeOut;

  @Option(names = "--hex", arity = "0..1", fallbackValue = "true", scope = ScopeType.INHERIT,
      description = "print byte strings as hex encoded strings")
  boolean hex;

  @Option(names = "--dial-timeout", defaultValue = "2s", scope = ScopeType.INHERIT,
      description = "dial timeout for client connections")
  String dialTimeout;

  @Option(names = "--command-timeout", defaultValue = "5s", scope = ScopeType.INHERIT,
      description = "timeout for short running command (excluding dial timeout)")
  String commandTimeout;

  @Option(names = "--keepalive-time", defaultValue = "2s", scope = ScopeType.INHERIT,
      description = "keepalive time for client connections (accepted, not used)")
  String keepaliveTime;

  @Option(names = "--keepalive-timeout", defaultValue = "6s", scope = ScopeType.INHERIT,
      description = "keepalive timeout for client connections (accepted, not used)")
  String keepaliveTimeout;

  @Option(names = "--insecure-transport", arity = "0..1", fallbackValue = "true",
      defaultValue = "true", scope = ScopeType.INHERIT,
      description = "disable transport security for client connections (TLS is not supported)")
  boolean insecureTransport;

  @Option(names = "--insecure-discovery", arity = "0..1", fallbackValue = "true",
      defaultValue = "true", scope = ScopeType.INHERIT, hidden = true)
  boolean insecureDiscovery;

  @Option(names = "--insecure-skip-tls-verify", arity = "0..1", fallbackValue = "true",
      scope = ScopeType.INHERIT, hidden = true)
  boolean insecureSkipTlsVerify;

  @Option(names = {"--cert", "--key", "--cacert"}, scope = ScopeType.INHERIT,
      description = "TLS files (not supported yet: kvctl speaks plain gRPC)")
  String tlsFile;

  @Option(names = {"--user", "--password"}, scope = ScopeType.INHERIT,
      description = "authentication (not supported yet)")
  String auth;

  @Option(names = {"-d", "--discovery-srv", "--discovery-srv-name"}, scope = ScopeType.INHERIT,
      description = "DNS discovery (not supported)")
  String discovery;

  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
      description = "help for kvctl")
  boolean help;

  final PrintStream out;
  final PrintStream err;
  final InputStream in;
  final Map<String, String> env;
  /** Whether stderr is a terminal (progress bars are drawn only there). */
  final boolean stderrTty;

  Kvctl(PrintStream out, PrintStream err, InputStream in, Map<String, String> env,
      boolean stderrTty) {
    this.out = out;
    this.err = err;
    this.in = in;
    this.env = env;
    this.stderrTty = stderrTty;
  }

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
        true, StandardCharsets.UTF_8);
    int code = run(args, out, System.err, System.in, System.getenv(),
        System.console() != null);
    out.flush();
    System.exit(code);
  }

  /** Runs one kvctl command line with these streams and environment; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, InputStream in,
      Map<String, String> env, boolean stderrTty) {
    Kvctl root = new Kvctl(out, err, in, env, stderrTty);
    CommandLine cl = commandLine(root);
    try {
      return cl.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  static CommandLine commandLine(Kvctl root) {
    CommandLine cl = new CommandLine(root);
    // lock's command and watch's exec command keep their own flags, as with etcdctl's "--".
    cl.getSubcommands().get("lock").setStopAtPositional(true);
    cl.setOut(new PrintWriter(new OutputStreamWriter(root.out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new OutputStreamWriter(root.err, StandardCharsets.UTF_8), true));
    cl.setDefaultValueProvider(spec -> {
      if (spec instanceof OptionSpec o && o.command().userObject() instanceof Kvctl == false
          && !o.inherited()) {
        return null;
      }
      if (spec instanceof OptionSpec o) {
        String name = o.longestName().replaceFirst("^-+", "").toUpperCase(Locale.ROOT)
            .replace('-', '_');
        String v = root.env.get("KVCTL_" + name);
        return v != null ? v : root.env.get("ETCDCTL_" + name);
      }
      return null;
    });
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      KvctlException k = e instanceof KvctlException ke ? ke
          : new KvctlException(ExitCodes.ERROR, String.valueOf(e.getMessage()));
      if (k.print()) {
        root.err.print("Error: " + k.getMessage() + "\n");
      }
      return k.exitCode();
    });
    cl.setParameterExceptionHandler((e, args) -> {
      root.err.print("Error: " + etcdctlText(e) + "\n");
      return ExitCodes.ERROR;
    });
    return cl;
  }

  /** cobra's wording for a command line it cannot parse. */
  private static String etcdctlText(CommandLine.ParameterException e) {
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().get(0);
      if (arg.startsWith("--")) {
        return "unknown flag: " + arg.replaceFirst("=.*", "");
      }
      if (arg.startsWith("-") && arg.length() > 1) {
        return "unknown shorthand flag: '" + arg.charAt(1) + "' in " + arg;
      }
      return "unknown command \"" + arg + "\" for \"" + e.getCommandLine().getCommandName()
          + "\"";
    }
    return e.getMessage();
  }

  @Override
  public void run() {
    CommandLine.usage(this, out);
  }

  // ---- what commands share ---------------------------------------------------------------------

  List<String> endpoints() {
    if (!endpoints.isEmpty()) {
      return endpoints.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
    return List.of("127.0.0.1:2379");
  }

  Duration commandTimeout() {
    return duration("--command-timeout", commandTimeout);
  }

  Duration dialTimeout() {
    return duration("--dial-timeout", dialTimeout);
  }

  private static Duration duration(String flag, String text) {
    try {
      return GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw new KvctlException(ExitCodes.ERROR, "invalid argument \"" + text + "\" for \""
          + flag + "\" flag: " + e.getMessage());
    }
  }

  Printer printer() {
    return new Printer(Printer.parse(writeOut), hex, out, err);
  }

  /** A client of the given endpoints with the command timeout as its call timeout. */
  KvClient client(List<String> eps) {
    checkUnsupported();
    Duration timeout = commandTimeout();
    try {
      return KvClient.builder().endpoints(eps)
          .callTimeout(timeout.isZero() ? Duration.ofDays(365) : timeout).build();
    } catch (IllegalArgumentException e) {
      throw new KvctlException(ExitCodes.BAD_ARGS, e.getMessage());
    }
  }

  KvClient client() {
    return client(endpoints());
  }

  private void checkUnsupported() {
    if (tlsFile != null && !tlsFile.isEmpty()) {
      throw new KvctlException(ExitCodes.BAD_ARGS, "TLS is not supported by kvctl yet");
    }
    if (auth != null && !auth.isEmpty()) {
      throw new KvctlException(ExitCodes.BAD_ARGS, "authentication is not supported by kvctl yet");
    }
    if (discovery != null && !discovery.isEmpty()) {
      throw new KvctlException(ExitCodes.BAD_ARGS, "DNS discovery is not supported by kvctl");
    }
  }

  /** Waits for a call; a failure becomes etcdctl's error text with exit code {@code code}. */
  static <T> T await(CompletableFuture<T> f, int code) {
    return await(f, code, "");
  }

  /** As {@link #await(CompletableFuture, int)}, the error text after {@code prefix}. */
  static <T> T await(CompletableFuture<T> f, int code, String prefix) {
    return await(f, code, prefix, "");
  }

  /** As {@link #await(CompletableFuture, int)}, the error text between prefix and suffix. */
  static <T> T await(CompletableFuture<T> f, int code, String prefix, String suffix) {
    try {
      return f.get();
    } catch (ExecutionException | CompletionException e) {
      throw new KvctlException(code, prefix + errorText(e.getCause()) + suffix);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvctlException(ExitCodes.INTERRUPTED, "interrupted");
    }
  }

  /** What etcdctl prints for a failed call: etcd's own text, or gRPC's as Go prints it. */
  static String errorText(Throwable t) {
    if (t instanceof EtcdException e) {
      return e.description();
    }
    if (t instanceof KvClientException e) {
      if (e.code() == Status.Code.DEADLINE_EXCEEDED) {
        return "context deadline exceeded";
      }
      if (e.code() == Status.Code.CANCELLED) {
        return "context canceled";
      }
      return "rpc error: code = " + goCode(e.code()) + " desc = " + e.description();
    }
    return String.valueOf(t);
  }

  private static String goCode(Status.Code code) {
    StringBuilder sb = new StringBuilder();
    for (String part : code.name().split("_")) {
      sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }

  /** Base of every command: reaches the root's options and streams. */
  abstract static class Cmd {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    Kvctl root() {
      return (Kvctl) spec.root().userObject();
    }
  }

  @Command(name = "version", description = "Prints the version of kvctl")
  static final class Version extends Cmd implements Runnable {
    @Override
    public void run() {
      root().out.print("kvctl version: " + VERSION + "\nAPI version: 3.4\n");
    }
  }

  @Command(name = "completion",
      description = "Prints a shell completion script: source <(kvctl completion bash)")
  static final class Completion extends Cmd implements Runnable {
    @CommandLine.Parameters(arity = "0..1", defaultValue = "bash",
        description = "bash or zsh (the same script serves both)")
    String shell;

    @Override
    public void run() {
      if (!shell.equals("bash") && !shell.equals("zsh")) {
        throw new KvctlException(ExitCodes.BAD_ARGS, "unsupported shell " + shell
            + ", expecting bash or zsh");
      }
      root().out.print(AutoComplete.bash("kvctl", spec.root().commandLine()));
    }
  }
}
