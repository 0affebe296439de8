package dev.ferry.oci.io;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of comma-separated values as Python's {@code csv} and Go's {@code encoding/csv} read it: commas separate,
 * double quotes group, {@code ""} inside quotes is a quote. Used for wheel {@code RECORD} files and Dockerfile
 * {@code --mount} specs.
 */
public final class CsvLine {
  private CsvLine() {}

  /** The fields of {@code line}; an unterminated quote is an {@link IllegalArgumentException}. */
  public static List<String> split(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unterminated quote");
    }
    fields.add(cur.toString());
    return fields;
  }
}
