package dev.ferry.bundle.spec;

import java.util.List;

/**
 * A {@code ferry.yaml} that cannot be used: every problem found, each as {@code file:line: path: what is wrong}
 * ({@code ferry.yaml:12: images[2].build.context: directory ./svc does not exist}). The message is the first
 * problem, with a count of the others.
 */
public final class SpecException extends Exception {
  /** One problem at one place. */
  public record Problem(String file, int line, String path, String message) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }
  }

  private final List<Problem> problems;

  public SpecException(List<Problem> problems) {
    super(summary(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a spec exception needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  private static String summary(List<Problem> problems) {
    if (problems.isEmpty()) {
      return "no problems";
    }
    return problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problem(s); 'ferry spec check' lists all)" : "");
  }

  /** Every problem, in file order. */
  public List<Problem> problems() {
    return problems;
  }
}
