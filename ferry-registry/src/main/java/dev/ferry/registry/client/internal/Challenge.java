package dev.ferry.registry.client.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One authentication challenge from a {@code WWW-Authenticate} header, e.g. {@code Bearer
 * realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"}.
 * Immutable.
 *
 * @param scheme lower case: {@code basic}, {@code bearer}, …
 * @param params parameter names in lower case, values unquoted
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7235#section-4.1">RFC 7235 §4.1</a>
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">the token authentication spec</a>
 */
public record Challenge(String scheme, Map<String, String> params) {
  public Challenge {
    scheme = scheme.toLowerCase(Locale.ROOT);
    params = Collections.unmodifiableMap(new TreeMap<>(params));
  }

  public Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * Parses every challenge in the given header values. A value may hold several challenges separated by commas
   * ({@code Basic realm="x", Bearer realm="y"}); quoted strings may contain commas and escaped quotes. Malformed
   * parts are skipped rather than failing: the caller then reports "no usable challenge".
   */
  public static List<Challenge> parse(List<String> headerValues) {
    List<Challenge> out = new ArrayList<>();
    for (String v : headerValues) {
      parseOne(v, out);
    }
    return out;
  }

  private static void parseOne(String s, List<Challenge> out) {
    int i = 0;
    int n = s.length();
    String scheme = null;
    Map<String, String> params = new TreeMap<>();
    while (i < n) {
      i = skip(s, i, " \t,");
      if (i >= n) {
        break;
      }
      int start = i;
      while (i < n && isTokenChar(s.charAt(i))) {
        i++;
      }
      if (i == start) {
        i++; // not a token character: skip it
        continue;
      }
      String token = s.substring(start, i);
      int j = skip(s, i, " \t");
      if (j < n && s.charAt(j) == '=' && scheme != null && !(j + 1 < n && s.charAt(j + 1) == '=' && token68End(s, j))) {
        // auth-param: token = ( token / quoted-string )
        j = skip(s, j + 1, " \t");
        String value;
        if (j < n && s.charAt(j) == '"') {
          StringBuilder b = new StringBuilder();
          j++;
          while (j < n && s.charAt(j) != '"') {
            char c = s.charAt(j);
            if (c == '\\' && j + 1 < n) {
              c = s.charAt(++j);
            }
            b.append(c);
            j++;
          }
          value = b.toString();
          j++; // closing quote
        } else {
          int vs = j;
          while (j < n && s.charAt(j) != ',' && s.charAt(j) != ' ' && s.charAt(j) != '\t') {
            j++;
          }
          value = s.substring(vs, j);
        }
        params.put(token.toLowerCase(Locale.ROOT), value);
        i = j;
      } else if (j < n && s.charAt(j) == '=' && scheme != null) {
        // token68 (e.g. "Negotiate abc=="): not used by registries; skip it.
        i = j;
        while (i < n && s.charAt(i) != ',') {
          i++;
        }
      } else {
        // A new scheme starts.
        if (scheme != null) {
          out.add(new Challenge(scheme, params));
          params = new TreeMap<>();
        }
        scheme = token;
        i = j;
      }
    }
    if (scheme != null) {
      out.add(new Challenge(scheme, params));
    }
  }

  /** Whether the {@code =} at {@code eq} begins the padding of a token68 rather than an auth-param. */
  private static boolean token68End(String s, int eq) {
    int k = eq;
    while (k < s.length() && s.charAt(k) == '=') {
      k++;
    }
    k = skip(s, k, " \t");
    return k >= s.length() || s.charAt(k) == ',';
  }

  private static int skip(String s, int i, String chars) {
    while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  private static boolean isTokenChar(char c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={} \t".indexOf(c) < 0;
  }
}
