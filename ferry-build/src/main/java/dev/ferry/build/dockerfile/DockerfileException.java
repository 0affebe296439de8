package dev.ferry.build.dockerfile;

import dev.ferry.oci.Nullable;
import java.util.Optional;

/**
 * A Dockerfile that cannot be parsed, planned or expanded: says where ({@code file:line:column}), in which
 * instruction, and what is wrong. Immutable.
 *
 * <p>The message reads {@code Dockerfile:7:1: unknown instruction FORM (did you mean FROM?)} followed, when the
 * instruction is known, by an indented line with its text.
 */
public final class DockerfileException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String problem;
  private final transient @Nullable Location location;
  private final @Nullable String instruction;

  /**
   * @param problem what is wrong, without the location
   * @param location where, or null when the problem has no place in a file (expansion of a loose word)
   * @param instruction the instruction's original text, or null
   */
  public DockerfileException(String problem, @Nullable Location location, @Nullable String instruction) {
    super(format(problem, location, instruction));
    this.problem = problem;
    this.location = location;
    this.instruction = instruction;
  }

  /** A problem with no place yet; callers that know the instruction add it with {@link #at}. */
  public DockerfileException(String problem) {
    this(problem, null, null);
  }

  /** What is wrong, without location or instruction. */
  public String problem() {
    return problem;
  }

  /** Where the problem is, when known. */
  public Optional<Location> location() {
    return Optional.ofNullable(location);
  }

  /** The original text of the instruction at fault, when known. */
  public Optional<String> instruction() {
    return Optional.ofNullable(instruction);
  }

  /** This problem placed at {@code where}, unless it already has a location. */
  public DockerfileException at(Location where, String instructionText) {
    if (location != null) {
      return this;
    }
    DockerfileException placed = new DockerfileException(problem, where, instructionText);
    placed.initCause(this);
    return placed;
  }

  private static String format(String problem, @Nullable Location location, @Nullable String instruction) {
    StringBuilder sb = new StringBuilder();
    if (location != null) {
      sb.append(location).append(": ");
    }
    sb.append(problem);
    if (instruction != null && !instruction.isBlank()) {
      String first = instruction.strip().lines().findFirst().orElse("");
      boolean more = instruction.strip().lines().count() > 1;
      sb.append("\n    ").append(first).append(more ? " ..." : "");
    }
    return sb.toString();
  }
}
