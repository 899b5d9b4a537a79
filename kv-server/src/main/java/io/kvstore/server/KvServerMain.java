package io.kvstore.server;

import java.io.PrintStream;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Called once, from the main thread. The {@code kv-server} entry point: parses etcd-style flags,
 * then runs a {@link Member} until it stops. A wrong flag prints one line, {@code kv-server: error:
 * <message>}, to stderr and exits with status 2; {@code --help} prints the usage.
 */
public final class KvServerMain {
  /** Exit status for a wrong or inconsistent flag. */
  static final int USAGE_ERROR = 2;

  private KvServerMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, config -> new Member(config).run()));
  }

  /** Parses {@code args}, then hands the config to {@code member}; returns the exit status. */
  static int run(
      String[] args, PrintStream out, PrintStream err, ToIntFunction<ServerConfig> member) {
    CommandLine commandLine = ServerFlags.newCommandLine();
    ServerConfig config;
    try {
      commandLine.parseArgs(args);
      if (commandLine.isUsageHelpRequested()) {
        commandLine.usage(out);
        return 0;
      }
      if (commandLine.isVersionHelpRequested()) {
        commandLine.printVersionHelp(out);
        return 0;
      }
      config = commandLine.<ServerFlags>getCommand().toConfig();
    } catch (ParameterException | ConfigException e) {
      err.println("kv-server: error: " + e.getMessage().lines().findFirst().orElse(""));
      return USAGE_ERROR;
    }
    return member.applyAsInt(config);
  }
}
