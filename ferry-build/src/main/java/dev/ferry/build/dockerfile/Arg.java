package dev.ferry.build.dockerfile;

import java.util.Objects;
import java.util.Optional;

/**
 * One variable declared by an {@code ARG} instruction (one instruction may declare several). Immutable.
 *
 * @param name the variable name, case-sensitive
 * @param defaultValue the default exactly as written (quotes and {@code $} references not yet processed), if any
 * @param location where the declaration is
 */
public record Arg(String name, Optional<String> defaultValue, Location location) {
  public Arg {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(location, "location");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("ARG name must not be empty, at " + location);
    }
  }
}
