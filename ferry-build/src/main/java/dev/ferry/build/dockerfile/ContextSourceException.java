package dev.ferry.build.dockerfile;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code COPY}/{@code ADD} source that matches nothing usable in the build context: missing, or excluded by a
 * {@code .dockerignore} rule (which the message names). Immutable.
 */
public final class ContextSourceException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final transient DockerIgnore.Rule rule;

  public ContextSourceException(String message, String source, Optional<DockerIgnore.Rule> rule) {
    super(message);
    this.source = Objects.requireNonNull(source, "source");
    this.rule = rule.orElse(null);
  }

  /** The source as written in the instruction. */
  public String source() {
    return source;
  }

  /** The {@code .dockerignore} rule that excluded it, when that is why. */
  public Optional<DockerIgnore.Rule> rule() {
    return Optional.ofNullable(rule);
  }
}
