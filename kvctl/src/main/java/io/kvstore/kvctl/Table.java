package io.kvstore.kvctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables of etcdctl's {@code -w table}, as olekukonko/tablewriter renders them with right
 * alignment: upper-case centred headers, {@code +---+} borders, one space of padding. Unlike
 * tablewriter it does not wrap cells longer than 30 characters at spaces. Not thread-safe.
 */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(List<String> header) {
    this.header = header;
  }

  Table row(List<String> row) {
    rows.add(row);
    return this;
  }

  String render() {
    int[] widths = new int[header.size()];
    List<String> titles = header.stream().map(h -> h.toUpperCase(Locale.ROOT).replace('_', ' '))
        .toList();
    for (int i = 0; i < widths.length; i++) {
      widths[i] = titles.get(i).codePointCount(0, titles.get(i).length());
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], r.get(i).codePointCount(0, r.get(i).length()));
      }
    }
    StringBuilder line = new StringBuilder("+");
    for (int w : widths) {
      line.append("-".repeat(w + 2)).append('+');
    }
    line.append('\n');
    StringBuilder sb = new StringBuilder(line);
    sb.append('|');
    for (int i = 0; i < widths.length; i++) {
      String t = titles.get(i);
      int gap = widths[i] - t.codePointCount(0, t.length());
      int left = gap / 2;
      sb.append(' ').append(" ".repeat(left)).append(t).append(" ".repeat(gap - left))
          .append(" |");
    }
    sb.append('\n').append(line);
    for (List<String> r : rows) {
      sb.append('|');
      for (int i = 0; i < widths.length; i++) {
        String c = r.get(i);
        sb.append(' ').append(" ".repeat(widths[i] - c.codePointCount(0, c.length())))
            .append(c).append(" |");
      }
      sb.append('\n');
    }
    return sb.append(line).toString();
  }
}
