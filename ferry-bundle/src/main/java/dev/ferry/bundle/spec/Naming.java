package dev.ferry.bundle.spec;

import dev.ferry.oci.Reference;
import java.util.Locale;

/** How bundle names map onto a destination {@code REGISTRY/PREFIX}. */
public enum Naming {
  /** {@code PREFIX/<name>:<tag>}: the whole repository path is kept. */
  KEEP_PATH,
  /** {@code PREFIX/<last path component>:<tag>}: for registries with one level of projects; collisions are refused. */
  FLATTEN;

  /** {@code keep-path} or {@code flatten}. */
  public static Naming parse(String value) {
    return switch (value) {
      case "keep-path" -> KEEP_PATH;
      case "flatten" -> FLATTEN;
      default -> throw new IllegalArgumentException("naming must be keep-path or flatten, got '" + value + "'");
    };
  }

  /** The destination of {@code name:tag} under {@code prefix} ({@code REGISTRY[/PATH]}). */
  public Reference destination(String prefix, String name, String tag) {
    String path = this == KEEP_PATH ? name : name.substring(name.lastIndexOf('/') + 1);
    String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    return Reference.parse(p + "/" + path + ":" + tag);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
