package dev.ferry.build.dockerfile;

import java.util.Objects;

/**
 * One instruction of a stage as an executor runs it: as written, expanded, and with the scope it runs in. Immutable.
 *
 * @param instruction the instruction as parsed
 * @param expanded the instruction with variables substituted where Docker substitutes them
 * @param environment the args and env in scope before the instruction (what its {@code RUN} sees)
 */
public record Step(Instruction instruction, Instruction expanded, StageEnvironment environment) {
  public Step {
    Objects.requireNonNull(instruction, "instruction");
    Objects.requireNonNull(expanded, "expanded");
    Objects.requireNonNull(environment, "environment");
  }
}
