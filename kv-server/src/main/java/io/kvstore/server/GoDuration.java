package io.kvstore.server;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration} and {@code Duration.String}, for etcd's and etcdctl's duration
 * flags ({@code --experimental-corrupt-check-time=5s}, {@code --dial-timeout=2s}) and the {@code
 * took} times etcdctl prints. Stateless.
 */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  /** Parses {@code 300ms}, {@code 1.5s}, {@code 2m30s}, {@code 0}; throws with Go's text. */
  public static Duration parse(String text) {
    String s = text.strip();
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int at = 0;
    double nanos = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      double v = Double.parseDouble(m.group(1));
      nanos += v * switch (m.group(2)) {
        case "ns" -> 1;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      at = m.end();
    }
    if (at != s.length() || s.isEmpty()) {
      throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
    }
    return Duration.ofNanos((long) nanos);
  }

  /** Go's {@code Duration.String()}: {@code 13.628691ms}, {@code 1.5s}, {@code 2m0s}. */
  public static String format(Duration d) {
    long n = d.toNanos();
    if (n == 0) {
      return "0s";
    }
    String sign = n < 0 ? "-" : "";
    n = Math.abs(n);
    if (n < 1_000) {
      return sign + n + "ns";
    }
    if (n < 1_000_000) {
      return sign + fraction(n, 1_000) + "µs";
    }
    if (n < 1_000_000_000) {
      return sign + fraction(n, 1_000_000) + "ms";
    }
    StringBuilder sb = new StringBuilder(sign);
    long h = n / 3_600_000_000_000L;
    long rest = n % 3_600_000_000_000L;
    long m = rest / 60_000_000_000L;
    rest = rest % 60_000_000_000L;
    if (h > 0) {
      sb.append(h).append('h');
    }
    if (h > 0 || m > 0) {
      sb.append(m).append('m');
    }
    return sb.append(fraction(rest, 1_000_000_000)).append('s').toString();
  }

  /** {@code value/unit} with up to 9 fraction digits and no trailing zeros. */
  private static String fraction(long value, long unit) {
    long whole = value / unit;
    long frac = value % unit;
    if (frac == 0) {
      return Long.toString(whole);
    }
    int digits = Long.toString(unit).length() - 1;
    String f = String.format("%0" + digits + "d", frac).replaceAll("0+$", "");
    return whole + "." + f;
  }
}
