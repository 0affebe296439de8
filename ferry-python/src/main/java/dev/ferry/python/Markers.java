package dev.ferry.python;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluates PEP 508 environment markers ({@code python_version < "3.12" and sys_platform == "linux"}) for a Linux
 * {@link PythonTarget}. {@code extra} is the empty string (locks list what to install, not optional extras).
 * Stateless.
 *
 * @see <a href="https://packaging.python.org/en/latest/specifications/dependency-specifiers/#environment-markers">
 *     Environment markers</a>
 */
public final class Markers {
  private Markers() {}

  /** The marker variables of a target. */
  static Map<String, String> environment(PythonTarget t) {
    return Map.ofEntries(
        Map.entry("python_version", t.pythonVersion()),
        Map.entry("python_full_version", t.pythonVersion() + ".0"),
        Map.entry("os_name", "posix"),
        Map.entry("sys_platform", "linux"),
        Map.entry("platform_system", "Linux"),
        Map.entry("platform_machine", t.arch()),
        Map.entry("platform_python_implementation", "CPython"),
        Map.entry("implementation_name", "cpython"),
        Map.entry("implementation_version", t.pythonVersion() + ".0"),
        Map.entry("platform_release", ""),
        Map.entry("platform_version", ""),
        Map.entry("extra", ""));
  }

  /**
   * Whether {@code marker} holds for {@code target}.
   *
   * @throws IllegalArgumentException naming the marker when it does not parse
   */
  public static boolean evaluate(String marker, PythonTarget target) {
    Parser p = new Parser(tokens(marker), environment(target), marker);
    boolean v = p.or();
    if (p.pos != p.tokens.size()) {
      throw new IllegalArgumentException("cannot read marker '" + marker + "' near '" + p.tokens.get(p.pos) + "'");
    }
    return v;
  }

  private static List<String> tokens(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '(' || c == ')') {
        out.add(String.valueOf(c));
        i++;
      } else if (c == '"' || c == '\'') {
        int end = s.indexOf(c, i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unterminated string in marker '" + s + "'");
        }
        out.add(s.substring(i, end + 1));
        i = end + 1;
      } else if ("<>=!~".indexOf(c) >= 0) {
        int j = i;
        while (j < s.length() && "<>=!~".indexOf(s.charAt(j)) >= 0) {
          j++;
        }
        out.add(s.substring(i, j));
        i = j;
      } else {
        int j = i;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '.')) {
          j++;
        }
        if (j == i) {
          throw new IllegalArgumentException("unexpected '" + c + "' in marker '" + s + "'");
        }
        out.add(s.substring(i, j));
        i = j;
      }
    }
    return out;
  }

  private static final class Parser {
    final List<String> tokens;
    final Map<String, String> env;
    final String text;
    int pos;

    Parser(List<String> tokens, Map<String, String> env, String text) {
      this.tokens = tokens;
      this.env = env;
      this.text = text;
    }

    String peek() {
      return pos < tokens.size() ? tokens.get(pos) : "";
    }

    String next() {
      if (pos >= tokens.size()) {
        throw new IllegalArgumentException("marker '" + text + "' ends too early");
      }
      return tokens.get(pos++);
    }

    boolean or() {
      boolean v = and();
      while (peek().equals("or")) {
        next();
        boolean r = and();
        v = v || r;
      }
      return v;
    }

    boolean and() {
      boolean v = atom();
      while (peek().equals("and")) {
        next();
        boolean r = atom();
        v = v && r;
      }
      return v;
    }

    boolean atom() {
      if (peek().equals("(")) {
        next();
        boolean v = or();
        if (!next().equals(")")) {
          throw new IllegalArgumentException("missing ')' in marker '" + text + "'");
        }
        return v;
      }
      String left = value(next());
      String op = next();
      if (op.equals("not")) {
        op = "not " + next();
      }
      String rightToken = next();
      String right = value(rightToken);
      return compare(left, op, right);
    }

    String value(String token) {
      if (token.startsWith("\"") || token.startsWith("'")) {
        return token.substring(1, token.length() - 1);
      }
      String v = env.get(token);
      if (v == null) {
        throw new IllegalArgumentException("unknown marker variable '" + token + "' in '" + text + "'");
      }
      return v;
    }

    boolean compare(String a, String op, String b) {
      switch (op) {
        case "in":
          return b.contains(a);
        case "not in":
          return !b.contains(a);
        default:
          break;
      }
      int c = versionLike(a) && versionLike(b) ? compareVersions(a, b) : a.compareTo(b);
      return switch (op) {
        case "==", "===" -> versionLike(a) && versionLike(b) ? c == 0 : a.equals(b);
        case "!=" -> versionLike(a) && versionLike(b) ? c != 0 : !a.equals(b);
        case "<" -> c < 0;
        case "<=" -> c <= 0;
        case ">" -> c > 0;
        case ">=" -> c >= 0;
        case "~=" -> c >= 0 && compatiblePrefix(a, b);
        default -> throw new IllegalArgumentException("unknown operator '" + op + "' in marker '" + text + "'");
      };
    }
  }

  private static boolean versionLike(String s) {
    return s.matches("\\d+(\\.\\d+)*");
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      long p = i < x.length ? Long.parseLong(x[i]) : 0;
      long q = i < y.length ? Long.parseLong(y[i]) : 0;
      if (p != q) {
        return Long.compare(p, q);
      }
    }
    return 0;
  }

  /** {@code ~= 3.8}: same release prefix without the last component. */
  private static boolean compatiblePrefix(String a, String b) {
    String[] y = b.split("\\.");
    String[] x = a.split("\\.");
    for (int i = 0; i < y.length - 1; i++) {
      if (i >= x.length || !x[i].equals(y[i])) {
        return false;
      }
    }
    return true;
  }
}
