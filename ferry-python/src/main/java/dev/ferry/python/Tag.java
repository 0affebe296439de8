package dev.ferry.python;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One PEP 425 compatibility tag, {@code interpreter-abi-platform} (e.g. {@code cp311-abi3-manylinux_2_17_x86_64}),
 * lower-cased. Immutable.
 *
 * @see <a href="https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/">Platform
 *     compatibility tags</a>
 */
public record Tag(String interpreter, String abi, String platform) {
  private static final Pattern PART = Pattern.compile("[a-z0-9_.]+");

  public Tag {
    interpreter = check("interpreter", interpreter);
    abi = check("abi", abi);
    platform = check("platform", platform);
  }

  private static String check(String what, String v) {
    String s = v.toLowerCase(Locale.ROOT);
    if (!PART.matcher(s).matches()) {
      throw new IllegalArgumentException("tag " + what + " must be letters, digits, '_' or '.', got '" + v + "'");
    }
    return s;
  }

  /** Parses one tag {@code py3-none-any}. */
  public static Tag parse(String tag) {
    String[] p = tag.split("-", -1);
    if (p.length != 3) {
      throw new IllegalArgumentException("a tag is interpreter-abi-platform, got '" + tag + "'");
    }
    return new Tag(p[0], p[1], p[2]);
  }

  /**
   * Expands a compressed tag set (each part may hold several values separated by {@code .}), as in wheel file
   * names: {@code py2.py3-none-any} is two tags.
   */
  public static Set<Tag> parseSet(String interpreters, String abis, String platforms) {
    Set<Tag> out = new LinkedHashSet<>();
    for (String i : interpreters.split("\\.", -1)) {
      for (String a : abis.split("\\.", -1)) {
        for (String p : platforms.split("\\.", -1)) {
          out.add(new Tag(i, a, p));
        }
      }
    }
    return out;
  }

  /** Expands {@code interpreter-abi-platform} where each part may be compressed. */
  public static Set<Tag> parseSet(String compressed) {
    String[] p = compressed.split("-", -1);
    if (p.length != 3) {
      throw new IllegalArgumentException("a tag is interpreter-abi-platform, got '" + compressed + "'");
    }
    return parseSet(p[0], p[1], p[2]);
  }

  /** Tags in a stable order, as one string for messages. */
  public static String join(Iterable<Tag> tags) {
    List<String> s = new ArrayList<>();
    tags.forEach(t -> s.add(t.toString()));
    return String.join(", ", s);
  }

  @Override
  public String toString() {
    return interpreter + "-" + abi + "-" + platform;
  }
}
