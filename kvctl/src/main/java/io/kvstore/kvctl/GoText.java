package io.kvstore.kvctl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How Go prints what etcdctl prints: {@code %q} ({@code strconv.Quote}), JSON strings as {@code
 * encoding/json} escapes them, and go-humanize's {@code Bytes}. Stateless.
 */
final class GoText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoText() {}

  /** {@code strconv.Quote} of raw bytes: invalid UTF-8 as {@code \xNN}, escapes as Go's. */
  static String quote(byte[] bytes) {
    StringBuilder sb = new StringBuilder("\"");
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xff;
      int len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
      int cp = -1;
      if (len == 1) {
        cp = b;
      } else if (len > 1 && i + len <= bytes.length) {
        cp = decode(bytes, i, len);
      }
      if (cp < 0) {
        sb.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
        i++;
        continue;
      }
      i += len;
      switch (cp) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case 7 -> sb.append("\\a");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case 11 -> sb.append("\\v");
        default -> {
          if (cp < ' ' || cp == 0x7f) {
            sb.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
          } else if (printable(cp)) {
            sb.appendCodePoint(cp);
          } else if (cp < 0x10000) {
            sb.append(String.format("\\u%04x", cp));
          } else {
            sb.append(String.format("\\U%08x", cp));
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** {@code quote} of a string's UTF-8 bytes. */
  static String quote(String s) {
    return quote(s.getBytes(StandardCharsets.UTF_8));
  }

  private static int decode(byte[] bytes, int at, int len) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, at, len)).toString();
      int cp = s.codePointAt(0);
      return Character.charCount(cp) == s.length() ? cp : -1;
    } catch (CharacterCodingException e) {
      return -1;
    }
  }

  private static boolean printable(int cp) {
    int type = Character.getType(cp);
    return type != Character.CONTROL && type != Character.FORMAT && type != Character.SURROGATE
        && type != Character.PRIVATE_USE && type != Character.UNASSIGNED
        && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
        && (type != Character.SPACE_SEPARATOR || cp == ' ');
  }

  /** go-humanize's {@code Bytes}: SI units, {@code 995 B}, {@code 1.5 kB}, {@code 12 MB}. */
  static String humanBytes(long size) {
    if (size < 10) {
      return size + " B";
    }
    String[] sizes = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    int e = (int) Math.floor(Math.log(size) / Math.log(1000));
    double val = Math.floor(size / Math.pow(1000, e) * 10 + 0.5) / 10;
    return val < 10 ? String.format("%.1f %s", val, sizes[e])
        : String.format("%.0f %s", val, sizes[e]);
  }

  /** An id as etcd's {@code types.ID} prints it: unsigned hex without leading zeros. */
  static String hexId(long id) {
    return Long.toHexString(id);
  }
}
