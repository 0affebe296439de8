package dev.ferry.build.dockerfile;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One build stage: its {@code FROM} and the instructions up to the next {@code FROM}. Immutable.
 *
 * @param index position among the stages, 0-based (what {@code COPY --from=0} names)
 * @param name the {@code AS} name in lower case
 * @param from the stage's {@code FROM} instruction (image text and {@code --platform} text, raw)
 * @param instructions the instructions after {@code FROM}
 * @param line the 1-based line of the {@code FROM}
 */
public record Stage(int index, Optional<String> name, Instruction.From from, List<Instruction> instructions, int line) {
  public Stage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(from, "from");
    instructions = List.copyOf(instructions);
  }

  /** The name, or the index as text for an unnamed stage. */
  public String displayName() {
    return name.orElse(Integer.toString(index));
  }
}
