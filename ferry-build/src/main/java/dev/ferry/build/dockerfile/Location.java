package dev.ferry.build.dockerfile;

import java.util.Objects;

/**
 * Where something sits in a Dockerfile: the file name and a 1-based line and column range (the end is inclusive: the
 * position of the last character). Immutable.
 *
 * @param file the name the Dockerfile was parsed under, e.g. {@code Dockerfile}
 * @param line first line, 1-based
 * @param column first column, 1-based
 * @param endLine last line, 1-based
 * @param endColumn last column, 1-based
 */
public record Location(String file, int line, int column, int endLine, int endColumn) {

  public Location {
    Objects.requireNonNull(file, "file");
    if (line < 1 || column < 1 || endLine < line) {
      throw new IllegalArgumentException(
          "location must have line, column >= 1 and endLine >= line, got " + line + ":" + column + "-" + endLine);
    }
  }

  /** A one-character location. */
  public static Location at(String file, int line, int column) {
    return new Location(file, line, column, line, column);
  }

  /** {@code file:line:column}, the form compilers and editors understand. */
  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
