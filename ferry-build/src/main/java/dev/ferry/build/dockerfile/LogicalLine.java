package dev.ferry.build.dockerfile;

import java.util.Arrays;

/**
 * One instruction's text after joining continuation lines, with the physical line and column of every character so
 * that errors point into the file. Not thread-safe; used by one parse.
 */
final class LogicalLine {
  private final String file;
  private final StringBuilder text = new StringBuilder();
  private int[] lines = new int[64];
  private int[] columns = new int[64];
  private int startLine;
  private int startColumn;

  LogicalLine(String file, int startLine, int startColumn) {
    this.file = file;
    this.startLine = startLine;
    this.startColumn = startColumn;
  }

  /** Appends {@code s}, whose first character is at {@code line}:{@code column}. */
  void append(String s, int line, int column) {
    int need = text.length() + s.length() + 1;
    if (need > lines.length) {
      lines = Arrays.copyOf(lines, Math.max(need, lines.length * 2));
      columns = Arrays.copyOf(columns, Math.max(need, columns.length * 2));
    }
    for (int i = 0; i < s.length(); i++) {
      lines[text.length() + i] = line;
      columns[text.length() + i] = column + i;
    }
    text.append(s);
  }

  String text() {
    return text.toString();
  }

  int length() {
    return text.length();
  }

  /** The location of the characters {@code [start, end)}, clamped into the text. */
  Location location(int start, int end) {
    if (text.isEmpty()) {
      return Location.at(file, startLine, startColumn);
    }
    int s = Math.max(0, Math.min(start, text.length() - 1));
    int e = Math.max(s, Math.min(end - 1, text.length() - 1));
    return new Location(file, lines[s], columns[s], lines[e], columns[e]);
  }

  /** The location of the single character at {@code offset}. */
  Location at(int offset) {
    return location(offset, offset + 1);
  }
}
