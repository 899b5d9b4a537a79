package io.kvstore.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every kv-bench workload takes (etcd's {@code benchmark} names where it has them),
 * parsed by picocli into this mixin and checked by {@link #validate}. Mutable while picocli fills
 * it, then read-only; confined to the thread that runs the command.
 */
public final class LoadOptions {
  @Option(names = "--endpoints", split = ",", paramLabel = "HOST:PORT",
      description = "Client endpoints, comma-separated (default: ${DEFAULT-VALUE}).",
      defaultValue = "127.0.0.1:2379")
  List<String> endpoints = new ArrayList<>(List.of("127.0.0.1:2379"));

  @Option(names = "--clients", description = "Requests in flight at once (default: ${DEFAULT-VALUE}).",
      defaultValue = "1")
  int clients = 1;

  @Option(names = "--conns", description = "gRPC connections the clients share (default: ${DEFAULT-VALUE}).",
      defaultValue = "1")
  int conns = 1;

  @Option(names = "--total", description = "Requests to send; the default when --duration is not given is 10000.")
  Long total;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "Run for this long instead of --total: 30s, 500ms, 2m or ISO-8601 (PT30S).")
  String duration;

  @Option(names = "--rate", description = "Requests per second across all clients; 0 is unlimited (default: 0; watch: 100 puts/s).")
  Double rate;

  @Option(names = "--key-size", description = "Key size in bytes (default: ${DEFAULT-VALUE}).",
      defaultValue = "8")
  int keySize = 8;

  @Option(names = "--val-size", description = "Value size in bytes (default: ${DEFAULT-VALUE}).",
      defaultValue = "8")
  int valSize = 8;

  @Option(names = "--key-space", description = "Distinct keys to write or read (default: ${DEFAULT-VALUE}).",
      defaultValue = "1")
  long keySpace = 1;

  @Option(names = "--sequential-keys", description = "Use keys 0, 1, 2, ... of the key space in turn instead of random ones.")
  boolean sequentialKeys;

  @Option(names = "--key-prefix", description = "Every key starts with this (default: ${DEFAULT-VALUE}).",
      defaultValue = "k")
  String keyPrefix = "k";

  @Option(names = "--timeout", paramLabel = "DURATION",
      description = "Deadline of each request (default: ${DEFAULT-VALUE}).", defaultValue = "10s")
  String timeout = "10s";

  @Option(names = "--warmup", paramLabel = "DURATION",
      description = "Run the workload this long first without recording (default: none).")
  String warmup;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON to FILE.")
  String jsonFile;

  @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT",
      description = "Output format on stdout: table or json (default: ${DEFAULT-VALUE}).",
      defaultValue = "table")
  String writeOut = "table";

  @Option(names = "--progress", paramLabel = "WHEN",
      description = "Progress bar on stderr: auto (only on a terminal), always or never (default: ${DEFAULT-VALUE}).",
      defaultValue = "auto")
  String progress = "auto";

  /** Thrown by {@link #validate} with a message naming the flag and what is wrong with it. */
  public static final class InvalidOptionException extends RuntimeException {
    InvalidOptionException(String message) {
      super(message);
    }
  }

  /** Checks every field; throws {@link InvalidOptionException} naming the first bad one. */
  public void validate() {
    if (endpoints.isEmpty()) {
      throw new InvalidOptionException("--endpoints must name at least one endpoint");
    }
    endpoints.forEach(Endpoints::parse);
    positive("--clients", clients);
    positive("--conns", conns);
    if (total != null && duration != null) {
      throw new InvalidOptionException("--total and --duration exclude each other; give one");
    }
    if (total != null && total <= 0) {
      throw new InvalidOptionException("--total must be positive, not " + total);
    }
    if (duration != null) {
      parseDuration("--duration", duration);
    }
    if (warmup != null) {
      parseDuration("--warmup", warmup);
    }
    parseDuration("--timeout", timeout);
    if (rate != null && (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate))) {
      throw new InvalidOptionException("--rate must be 0 (unlimited) or positive, not " + rate);
    }
    if (valSize < 0) {
      throw new InvalidOptionException("--val-size must not be negative, not " + valSize);
    }
    if (keySpace <= 0) {
      throw new InvalidOptionException("--key-space must be positive, not " + keySpace);
    }
    Keys.check(keyPrefix, keySize, keySpace);
    if (!writeOut.equals("table") && !writeOut.equals("json")) {
      throw new InvalidOptionException("-w/--write-out must be table or json, not '" + writeOut + "'");
    }
    if (!List.of("auto", "always", "never").contains(progress)) {
      throw new InvalidOptionException("--progress must be auto, always or never, not '" + progress + "'");
    }
  }

  private static void positive(String flag, long value) {
    if (value <= 0) {
      throw new InvalidOptionException(flag + " must be positive, not " + value);
    }
  }

  /** Parses {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h} or ISO-8601; positive only. */
  static Duration parseDuration(String flag, String text) {
    Duration d;
    try {
      String t = text.trim().toLowerCase();
      if (t.startsWith("pt") || t.startsWith("p")) {
        d = Duration.parse(text.trim());
      } else if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      } else if (t.endsWith("m")) {
        d = Duration.ofSeconds(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60));
      } else if (t.endsWith("h")) {
        d = Duration.ofSeconds(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 3600));
      } else {
        throw new NumberFormatException();
      }
    } catch (RuntimeException e) {
      throw new InvalidOptionException(flag + " must be a duration such as 30s, 500ms or 2m, not '"
          + text + "'");
    }
    if (d.isNegative() || d.isZero()) {
      throw new InvalidOptionException(flag + " must be positive, not '" + text + "'");
    }
    return d;
  }

  Duration durationOrNull() {
    return duration == null ? null : parseDuration("--duration", duration);
  }

  long totalOrDefault() {
    return total != null ? total : 10_000;
  }

  /** The --rate given, or {@code dflt} when none was. */
  double rateOr(double dflt) {
    return rate != null ? rate : dflt;
  }

  Duration timeoutValue() {
    return parseDuration("--timeout", timeout);
  }

  Duration warmupOrNull() {
    return warmup == null ? null : parseDuration("--warmup", warmup);
  }

  Keys keys() {
    return new Keys(keyPrefix, keySize, keySpace, sequentialKeys);
  }

  /** The settings that shape the load, for the report. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoints", String.join(",", endpoints));
    m.put("clients", clients);
    m.put("conns", conns);
    if (duration != null) {
      m.put("duration", duration);
    } else {
      m.put("total", totalOrDefault());
    }
    m.put("rate", rate == null ? 0.0 : rate);
    m.put("keySize", keySize);
    m.put("valSize", valSize);
    m.put("keySpace", keySpace);
    m.put("sequentialKeys", sequentialKeys);
    return m;
  }

  /** A copy, for the compare command to vary one setting. */
  LoadOptions copy() {
    LoadOptions o = new LoadOptions();
    o.endpoints = new ArrayList<>(endpoints);
    o.clients = clients;
    o.conns = conns;
    o.total = total;
    o.duration = duration;
    o.rate = rate;
    o.keySize = keySize;
    o.valSize = valSize;
    o.keySpace = keySpace;
    o.sequentialKeys = sequentialKeys;
    o.keyPrefix = keyPrefix;
    o.timeout = timeout;
    o.warmup = warmup;
    o.jsonFile = jsonFile;
    o.writeOut = writeOut;
    o.progress = progress;
    return o;
  }
}
