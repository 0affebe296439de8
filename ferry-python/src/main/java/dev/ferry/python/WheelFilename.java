package dev.ferry.python;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A wheel file name, {@code {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl}.
 * Immutable.
 *
 * @see <a href="https://packaging.python.org/en/latest/specifications/binary-distribution-format/">Binary
 *     distribution format</a>
 */
public record WheelFilename(String filename, String distribution, String version, Optional<String> build, Set<Tag> tags) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?");
  private static final Pattern BUILD = Pattern.compile("\\d[A-Za-z0-9_.]*");

  public WheelFilename {
    tags = Set.copyOf(tags);
  }

  /** Parses a wheel file name; the result keeps the name as given. */
  public static WheelFilename parse(String filename) {
    if (!filename.endsWith(".whl")) {
      throw new IllegalArgumentException("a wheel file name ends in .whl, got '" + filename + "'");
    }
    if (filename.contains("/")) {
      throw new IllegalArgumentException("a wheel file name has no '/', got '" + filename + "'");
    }
    String[] p = filename.substring(0, filename.length() - 4).split("-", -1);
    if (p.length != 5 && p.length != 6) {
      throw new IllegalArgumentException(
          "a wheel file name is name-version[-build]-python-abi-platform.whl, got '" + filename + "'");
    }
    if (!NAME.matcher(p[0]).matches()) {
      throw new IllegalArgumentException("bad distribution name in wheel file name '" + filename + "'");
    }
    if (p[1].isEmpty()) {
      throw new IllegalArgumentException("empty version in wheel file name '" + filename + "'");
    }
    Optional<String> build = Optional.empty();
    if (p.length == 6) {
      if (!BUILD.matcher(p[2]).matches()) {
        throw new IllegalArgumentException(
            "the build tag of a wheel starts with a digit, got '" + p[2] + "' in '" + filename + "'");
      }
      build = Optional.of(p[2]);
    }
    int t = p.length - 3;
    Set<Tag> tags;
    try {
      tags = Tag.parseSet(p[t], p[t + 1], p[t + 2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad tags in wheel file name '" + filename + "': " + e.getMessage());
    }
    return new WheelFilename(filename, p[0], p[1], build, tags);
  }

  /** Whether {@code name} looks like a wheel file name (ends in {@code .whl}). */
  public static boolean isWheel(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".whl");
  }

  /** The PEP 503 normalised project name. */
  public String project() {
    return Names.normalize(distribution);
  }

  /** The build number (leading digits of the build tag), 0 without a build tag. */
  public int buildNumber() {
    if (build.isEmpty()) {
      return 0;
    }
    String b = build.get();
    int i = 0;
    while (i < b.length() && Character.isDigit(b.charAt(i))) {
      i++;
    }
    try {
      return Integer.parseInt(b.substring(0, i));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }
}
