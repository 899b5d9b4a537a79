package io.kvstore.server;

import java.util.Locale;

/**
 * A string in JSON as Go's {@code encoding/json} writes it — etcd's and etcdctl's JSON — with its
 * HTML-safe escapes ({@code <}, {@code >}, {@code &}, U+2028, U+2029) and a lone surrogate
 * replaced by U+FFFD. Stateless.
 */
public final class GoJsonString {
  private GoJsonString() {}

  /** Appends {@code s}, quoted and escaped, to {@code sb}. */
  public static void append(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> unicode(sb, c);
        default -> {
          if (c < 0x20) {
            unicode(sb, c);
          } else if (Character.isSurrogate(c) && !pairedSurrogate(s, i)) {
            sb.append("\\ufffd");
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static boolean pairedSurrogate(String s, int i) {
    char c = s.charAt(i);
    return Character.isHighSurrogate(c) ? i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  private static void unicode(StringBuilder sb, char c) {
    sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
  }
}
