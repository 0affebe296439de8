package dev.ferry.python;

import java.util.Locale;
import java.util.regex.Pattern;

/** Project names and versions as Python packaging compares them. Stateless. */
public final class Names {
  private static final Pattern RUNS = Pattern.compile("[-_.]+");

  private Names() {}

  /**
   * The PEP 503 normalised form of a project name: lower case, runs of {@code -_.} as one {@code -}.
   *
   * @see <a href="https://peps.python.org/pep-0503/#normalized-names">PEP 503 normalised names</a>
   */
  public static String normalize(String name) {
    return RUNS.matcher(name).replaceAll("-").toLowerCase(Locale.ROOT);
  }

  /** The name as it appears in wheel and {@code .dist-info} file names: normalised with {@code _}. */
  public static String fileName(String name) {
    return normalize(name).replace('-', '_');
  }

  /**
   * Whether two versions are the same release for pinning purposes: equal after lower-casing, stripping a leading
   * {@code v} and trailing {@code .0} release components ({@code 1.0} is {@code 1.0.0}). Enough for {@code ==}
   * pins of PEP 440 versions as lock files write them.
   */
  public static boolean sameVersion(String a, String b) {
    return canonicalVersion(a).equals(canonicalVersion(b));
  }

  static String canonicalVersion(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.startsWith("v")) {
      s = s.substring(1);
    }
    // the release part (digits and dots) loses trailing zero components
    int end = 0;
    while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
      end++;
    }
    String release = s.substring(0, end);
    String rest = s.substring(end);
    while (release.endsWith(".0")) {
      release = release.substring(0, release.length() - 2);
    }
    String[] parts = release.split("\\.", -1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        sb.append('.');
      }
      String p = parts[i].replaceFirst("^0+(?=\\d)", "");
      sb.append(p);
    }
    return sb + rest.replace('-', '.').replace('_', '.');
  }
}
