package io.kvstore.server.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts kv-server JVMs from the test's own classpath (the compiled classes and the dependency
 * jars Maven puts on it), in a working directory of the test's, and destroys every one of them on
 * {@link #close}, whether the test passed or not.
 *
 * <p>Thread-safety: confined to the test thread.
 */
public final class ServerLauncher implements AutoCloseable {
  /** Small heap, one GC thread and the quick compiler: several members share two cores. */
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final Path workDir;
  private final List<ServerProcess> started = new ArrayList<>();

  public ServerLauncher(Path workDir) {
    this.workDir = workDir;
  }

  /** Starts {@code kv-server <flags>} with stdout and stderr both going to {@code <name>.log}. */
  public ServerProcess start(String name, List<String> flags) {
    return start(name, flags, false);
  }

  /**
   * Starts {@code kv-server <flags>} with stderr going to {@code <name>.log} and stdout to {@code
   * <name>.out}, for tests about what goes where.
   */
  ServerProcess startWithSeparateStdout(String name, List<String> flags) {
    return start(name, flags, true);
  }

  private ServerProcess start(String name, List<String> flags, boolean separateStdout) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.kvstore.server.KvServerMain");
    command.addAll(flags);
    Path log = workDir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    if (separateStdout) {
      builder.redirectOutput(Redirect.appendTo(workDir.resolve(name + ".out").toFile()))
          .redirectError(Redirect.appendTo(log.toFile()));
    } else {
      builder.redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile()));
    }
    try {
      ServerProcess process = new ServerProcess(name, builder.start(), log);
      started.add(process);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /** Kills every process this launcher started (SIGKILL) and waits until each is gone. */
  @Override
  public void close() {
    started.forEach(ServerProcess::kill);
  }
}
