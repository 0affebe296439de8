package dev.ferry.build.dockerfile;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/** Glob patterns compiled to regular expressions: Go's {@code filepath.Match}, plus {@code **} for .dockerignore. */
final class Globs {
  private Globs() {}

  /** Whether {@code s} has a glob metacharacter. */
  static boolean hasMeta(String s) {
    return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('\\') >= 0;
  }

  /**
   * Compiles a pattern matched against whole slash-separated paths.
   *
   * @param doubleStar whether {@code **} spans directories (.dockerignore) or is two {@code *} (Go's filepath.Match)
   * @throws IllegalArgumentException for a malformed character class or a trailing backslash
   */
  static Pattern compile(String pattern, boolean doubleStar) {
    StringBuilder re = new StringBuilder("^");
    int i = 0;
    int n = pattern.length();
    while (i < n) {
      char c = pattern.charAt(i);
      if (c == '*') {
        if (doubleStar && i + 1 < n && pattern.charAt(i + 1) == '*') {
          i += 2;
          if (i < n && pattern.charAt(i) == '/') {
            i++;
          }
          // "**" at the end matches everything below; elsewhere any number of directories, even none.
          re.append(i >= n ? ".*" : "(?:.*/)?");
          continue;
        }
        re.append("[^/]*");
        i++;
      } else if (c == '?') {
        re.append("[^/]");
        i++;
      } else if (c == '[') {
        i = charClass(pattern, i, re);
      } else if (c == '\\') {
        if (i + 1 >= n) {
          throw new IllegalArgumentException("pattern ends in an escape: " + pattern);
        }
        re.append(Pattern.quote(String.valueOf(pattern.charAt(i + 1))));
        i += 2;
      } else {
        re.append(Character.isLetterOrDigit(c) ? String.valueOf(c) : Pattern.quote(String.valueOf(c)));
        i++;
      }
    }
    return Pattern.compile(re.append('$').toString(), Pattern.DOTALL);
  }

  /** Translates {@code [...]} at {@code start}; returns the index after it. Go syntax: {@code ^} negates. */
  private static int charClass(String p, int start, StringBuilder re) {
    int i = start + 1;
    StringBuilder cls = new StringBuilder("[");
    if (i < p.length() && p.charAt(i) == '^') {
      cls.append('^');
      i++;
    }
    int count = 0;
    while (true) {
      if (i >= p.length()) {
        throw new IllegalArgumentException("unterminated [ in pattern: " + p);
      }
      char c = p.charAt(i);
      if (c == ']' && count > 0) {
        i++;
        break;
      }
      char lo = escaped(p, i);
      i += p.charAt(i) == '\\' ? 2 : 1;
      char hi = lo;
      if (i < p.length() && p.charAt(i) == '-') {
        i++;
        if (i >= p.length()) {
          throw new IllegalArgumentException("unterminated [ in pattern: " + p);
        }
        hi = escaped(p, i);
        i += p.charAt(i) == '\\' ? 2 : 1;
        if (hi < lo) {
          throw new IllegalArgumentException("bad range " + lo + "-" + hi + " in pattern: " + p);
        }
      }
      cls.append(classChar(lo));
      if (hi != lo) {
        cls.append('-').append(classChar(hi));
      }
      count++;
    }
    cls.append(']');
    // A class never matches the separator, as in Go.
    re.append("(?:(?!/)").append(cls).append(')');
    return i;
  }

  private static char escaped(String p, int i) {
    char c = p.charAt(i);
    if (c == '\\') {
      if (i + 1 >= p.length()) {
        throw new IllegalArgumentException("pattern ends in an escape: " + p);
      }
      return p.charAt(i + 1);
    }
    if (c == '-' || c == ']') {
      throw new IllegalArgumentException("bad character class in pattern: " + p);
    }
    return c;
  }

  private static String classChar(char c) {
    return Character.isLetterOrDigit(c) ? String.valueOf(c) : "\\" + c;
  }

  /**
   * Go's {@code path.Clean} on a slash path: {@code //} collapsed, {@code .} dropped, {@code ..} resolved (at the root
   * it stays at the root), no trailing slash; the empty result is {@code .}.
   */
  static String clean(String path) {
    boolean rooted = path.startsWith("/");
    Deque<String> out = new ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.peekLast().equals("..")) {
          out.removeLast();
        } else if (!rooted) {
          out.addLast("..");
        }
        continue;
      }
      out.addLast(part);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  /** A path inside the build context: cleaned as if rooted there, so {@code ../x} and {@code /x} both mean {@code x}. */
  static String contextPath(String path) {
    String c = clean("/" + path);
    return c.equals("/") ? "." : c.substring(1);
  }
}
