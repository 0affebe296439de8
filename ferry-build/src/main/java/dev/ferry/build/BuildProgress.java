package dev.ferry.build;

/**
 * Hears a build's progress as plain lines ({@code #3 [build 2/5] RUN make}, {@code #3 CACHED}, a line of a
 * {@code RUN}'s output prefixed {@code #3 }). {@link ImageBuilder} serialises the calls, which come from several
 * threads (independent stages and the platforms of a build run at once), so an implementation need not be thread-safe.
 */
@FunctionalInterface
public interface BuildProgress {
  /** A listener that drops everything. */
  BuildProgress NONE = line -> {};

  /** One line, without a line terminator. */
  void line(String line);
}
