package io.kvstore.kvctl;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code strconv.ParseInt}/{@code ParseUint} with their error texts (etcdctl prints them),
 * etcdctl's {@code argify} for txn lines, and Go's quoted-string syntax. Stateless.
 */
final class GoParse {
  private static final Pattern ARG =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^'\"\\s]\\S*[^'\"\\s]?");

  private GoParse() {}

  static long parseInt(String s, int radix) {
    return parse("ParseInt", s, radix, BigInteger.valueOf(Long.MIN_VALUE),
        BigInteger.valueOf(Long.MAX_VALUE)).longValue();
  }

  static long parseUint(String s, int radix) {
    return parse("ParseUint", s, radix, BigInteger.ZERO,
        BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)).longValue();
  }

  private static BigInteger parse(String fn, String s, int radix, BigInteger min,
      BigInteger max) {
    String body = s;
    if (fn.equals("ParseInt") && (body.startsWith("+") || body.startsWith("-"))) {
      body = body.substring(1);
    }
    if (body.isEmpty() || !body.chars().allMatch(c -> Character.digit(c, radix) >= 0
        && c < 128)) {
      throw new NumberFormatException("strconv." + fn + ": parsing " + GoText.quote(s)
          + ": invalid syntax");
    }
    BigInteger v = new BigInteger(s.startsWith("+") ? s.substring(1) : s, radix);
    if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
      throw new NumberFormatException("strconv." + fn + ": parsing " + GoText.quote(s)
          + ": value out of range");
    }
    return v;
  }

  /** etcdctl's argify: splits a line into words, quoted ones unquoted. */
  static List<String> argify(String line) {
    List<String> args = new ArrayList<>();
    Matcher m = ARG.matcher(line);
    while (m.find()) {
      String a = m.group();
      if (a.startsWith("'")) {
        a = a.substring(1, a.length() - 1);
      } else if (a.startsWith("\"")) {
        a = unquote(a, new int[] {0});
      }
      args.add(a);
    }
    return args;
  }

  /**
   * Reads a Go double-quoted string starting at {@code pos[0]} in {@code s}; advances {@code
   * pos[0]} past it. Throws {@link IllegalArgumentException} if there is none.
   */
  static String unquote(String s, int[] pos) {
    int i = pos[0];
    if (i >= s.length() || s.charAt(i) != '"') {
      throw new IllegalArgumentException("expected quoted string");
    }
    StringBuilder sb = new StringBuilder();
    i++;
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c == '"') {
        pos[0] = i;
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (i >= s.length()) {
        break;
      }
      char e = s.charAt(i++);
      switch (e) {
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case 'a' -> sb.append((char) 7);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'v' -> sb.append((char) 11);
        case '\\', '"', '\'' -> sb.append(e);
        case 'x' -> {
          sb.append((char) Integer.parseInt(s.substring(i, i + 2), 16));
          i += 2;
        }
        case 'u' -> {
          sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          i += 4;
        }
        default -> throw new IllegalArgumentException("invalid escape \\" + e);
      }
    }
    throw new IllegalArgumentException("unterminated quoted string");
  }
}
