package dev.ferry.build.dockerfile;

import java.util.Objects;

/**
 * One {@code key=value} pair of an {@code ENV} or {@code LABEL} instruction. Immutable.
 *
 * <p>In a parsed {@link Dockerfile} the value is raw: quotes, escapes and {@code $} references are still in it;
 * {@link Instruction#expand} processes them.
 *
 * @param key the name
 * @param value the value
 */
public record KeyValue(String key, String value) {
  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }
}
