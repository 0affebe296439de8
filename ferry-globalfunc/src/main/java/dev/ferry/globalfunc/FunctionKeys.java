package dev.ferry.globalfunc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/** Function keys {@code space.package_branch.function} and the short names users type. Stateless. */
public final class FunctionKeys {
  /** The space of the original notes. */
  public static final String DEFAULT_SPACE = "sp_GlobalFunc";

  /** The branch a short name refers to unless told otherwise (the original notes' only branch). */
  public static final String DEFAULT_BRANCH = "master";

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern SPACE = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9_/+-]+");

  private FunctionKeys() {}

  /** The key of a function; each part is checked. */
  public static String key(String space, String packageName, String branch, String name) {
    require(SPACE, space, "space");
    require(IDENTIFIER, packageName, "package");
    require(BRANCH, branch, "branch");
    require(IDENTIFIER, name, "function name");
    return space + "." + packageName + "_" + branch + "." + name;
  }

  /** Whether {@code name} is a valid Python identifier (package and function names must be). */
  public static boolean isIdentifier(String name) {
    return IDENTIFIER.matcher(name).matches();
  }

  /**
   * The key a user means: a full key ({@code sp_GlobalFunc.Base_master.f}) as it is, a {@code pack_func}
   * ({@code Base.f}) in {@code space} on {@code branch}.
   *
   * @throws IllegalArgumentException naming the text when it is neither
   */
  public static String resolve(String text, String space, String branch) {
    String[] parts = text.split("\\.", -1);
    if (parts.length == 3 && !parts[0].isEmpty() && !parts[1].isEmpty() && IDENTIFIER.matcher(parts[2]).matches()) {
      return text;
    }
    if (parts.length == 2 && IDENTIFIER.matcher(parts[0]).matches() && IDENTIFIER.matcher(parts[1]).matches()) {
      return key(space, parts[0], branch, parts[1]);
    }
    throw new IllegalArgumentException(
        "a function is PACKAGE.FUNCTION (Base.inverse_time_str) or SPACE.PACKAGE_BRANCH.FUNCTION, got '" + text + "'");
  }

  /** The space of a full key. */
  public static String spaceOf(String key) {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot);
  }

  /** Up to {@code limit} of {@code candidates} closest to {@code wanted} by edit distance, closest first. */
  public static List<String> closest(String wanted, List<String> candidates, int limit) {
    record Scored(String name, int distance) {}
    List<Scored> scored = new ArrayList<>();
    String w = wanted.toLowerCase(java.util.Locale.ROOT);
    for (String c : candidates) {
      String lc = c.toLowerCase(java.util.Locale.ROOT);
      int d = distance(w, lc);
      String tail = lc.substring(lc.lastIndexOf('.') + 1);
      String wtail = w.substring(w.lastIndexOf('.') + 1);
      // a function of the same name elsewhere, or a name that contains the wanted one, is close too
      if (tail.equals(wtail) || (wtail.length() >= 3 && tail.contains(wtail))) {
        d = Math.min(d, 1);
      }
      if (d <= Math.max(3, w.length() / 3)) {
        scored.add(new Scored(c, d));
      }
    }
    scored.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
    return scored.stream().limit(limit).map(Scored::name).toList();
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static void require(Pattern p, String value, String what) {
    if (value == null || !p.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " must match " + p.pattern() + ", got '" + value + "'");
    }
  }
}
