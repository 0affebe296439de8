package dev.ferry.build;

/**
 * Hears a build's progress as plain lines ({@code #3 [build 2/5] RUN make}, {@code #3 CACHED}, a line of a
 * {@code RUN}'s output prefixed {@code #3 }). Called from the building thread only.
 */
@FunctionalInterface
public interface BuildProgress {
  /** A listener that drops everything. */
  BuildProgress NONE = line -> {};

  /** One line, without a line terminator. */
  void line(String line);
}
