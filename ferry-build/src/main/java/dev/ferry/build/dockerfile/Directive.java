package dev.ferry.build.dockerfile;

import java.util.Objects;

/**
 * A parser directive from the top of a Dockerfile, e.g. {@code # syntax=docker/dockerfile:1} or
 * {@code # escape=`}. Immutable.
 *
 * @param name the directive name in lower case ({@code syntax}, {@code escape}, {@code check})
 * @param value the value, trimmed
 * @param line the 1-based line it is on
 */
public record Directive(String name, String value, int line) {
  public Directive {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
