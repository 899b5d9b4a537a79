package io.kvstore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Describes the machine a comparison ran on, for the report. Stateless. */
final class Machine {
  private Machine() {}

  static Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cores (nproc)", String.valueOf(Runtime.getRuntime().availableProcessors()));
    m.put("CPU", firstMatch(Path.of("/proc/cpuinfo"), "model name"));
    String mem = firstMatch(Path.of("/proc/meminfo"), "MemTotal");
    try {
      long kb = Long.parseLong(mem.replaceAll("[^0-9]", ""));
      mem = String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
    } catch (NumberFormatException e) {
      // keep the raw text
    }
    m.put("memory", mem);
    m.put("kernel", read(Path.of("/proc/sys/kernel/osrelease")));
    m.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("etcd", command(List.of("etcd", "--version")).lines().findFirst().orElse("?"));
    return m;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String firstMatch(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          int colon = line.indexOf(':');
          return colon < 0 ? line.trim() : line.substring(colon + 1).trim();
        }
      }
    } catch (IOException e) {
      return "?";
    }
    return "?";
  }

  private static String command(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
