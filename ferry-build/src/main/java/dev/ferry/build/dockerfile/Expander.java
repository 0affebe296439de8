package dev.ferry.build.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Substitutes {@code $VAR} references the way BuildKit's shell lexer does for the instructions that expand
 * ({@code ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR}, {@code ARG} defaults and flag values),
 * removing quotes and escapes as it goes. Immutable and thread-safe.
 *
 * <p>Supported: {@code $NAME}, {@code ${NAME}}, {@code ${NAME:-word}} (word when unset or empty),
 * {@code ${NAME-word}} (word when unset), {@code ${NAME:+word}} (word when set and not empty), {@code ${NAME+word}}
 * (word when set), {@code ${NAME:?message}} and {@code ${NAME?message}} (an error when unset, or empty for the colon
 * form). The {@code word} is itself expanded. Outside quotes the escape character (backslash, or backtick under
 * {@code # escape=`}) makes the next character literal; inside single quotes nothing is special; inside double quotes
 * {@code $} expands and the escape character escapes only {@code "}, {@code $} and itself. A {@code $} not followed by
 * a name is literal. Positional and special parameters ({@code $1}, {@code $@}, ...) expand to the empty string.
 */
public final class Expander {
  private static final int EOF = -1;

  private final char escape;
  private final Map<String, String> variables;

  private Expander(char escape, Map<String, String> variables) {
    if (escape != '\\' && escape != '`') {
      throw new IllegalArgumentException("escape must be \\ or `, got " + escape);
    }
    this.escape = escape;
    this.variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
  }

  /** An expander over {@code variables} with the backslash escape. */
  public static Expander of(Map<String, String> variables) {
    return new Expander('\\', Objects.requireNonNull(variables, "variables"));
  }

  /** An expander over {@code variables} with the given escape character ({@code \} or {@code `}). */
  public static Expander of(char escape, Map<String, String> variables) {
    return new Expander(escape, Objects.requireNonNull(variables, "variables"));
  }

  /** The variables in scope (a name mapped to the empty string is set but empty; an absent name is unset). */
  public Map<String, String> variables() {
    return variables;
  }

  /** The escape character in use. */
  public char escape() {
    return escape;
  }

  /**
   * Expands one word: references substituted, quotes and escapes removed, whitespace kept as written.
   *
   * @throws DockerfileException without a location for {@code ${X:?}} on an unset variable, an unterminated quote or a
   *     bad substitution
   */
  public String expand(String word) throws DockerfileException {
    Lexer lexer = new Lexer(word, false);
    return lexer.processStopOn(EOF);
  }

  /**
   * Expands text and splits it into words at unquoted whitespace, including whitespace that came from an unquoted
   * variable (as {@code EXPOSE $PORTS} needs). A quoted empty string is an empty word.
   */
  public List<String> expandWords(String text) throws DockerfileException {
    Lexer lexer = new Lexer(text, false);
    lexer.processStopOn(EOF);
    return lexer.words.finish();
  }

  /**
   * Expands a here-document body as a POSIX shell does for an unquoted delimiter: only {@code $} references expand;
   * quotes are literal; the escape character escapes only {@code $} and itself.
   */
  public String expandHeredoc(String body) throws DockerfileException {
    Lexer lexer = new Lexer(body, true);
    return lexer.processStopOn(EOF);
  }

  /** Splits words for {@link #expandWords}: unquoted whitespace ends a word, quoted text always makes one. */
  private static final class Words {
    private final List<String> words = new ArrayList<>();
    private final StringBuilder current = new StringBuilder();
    private boolean inWord;

    void addChar(int ch) {
      if (Character.isWhitespace(ch)) {
        if (inWord) {
          words.add(current.toString());
          current.setLength(0);
          inWord = false;
        }
      } else {
        addRawChar(ch);
      }
    }

    void addRawChar(int ch) {
      current.appendCodePoint(ch);
      inWord = true;
    }

    void addString(String s) {
      s.codePoints().forEach(this::addChar);
    }

    void addRawString(String s) {
      current.append(s);
      inWord = true;
    }

    List<String> finish() {
      if (inWord) {
        words.add(current.toString());
      }
      return List.copyOf(words);
    }
  }

  private final class Lexer {
    private final String src;
    private final boolean heredoc;
    private final Words words = new Words();
    private int pos;

    Lexer(String src, boolean heredoc) {
      this.src = Objects.requireNonNull(src, "word");
      this.heredoc = heredoc;
    }

    int peek() {
      return pos < src.length() ? src.charAt(pos) : EOF;
    }

    int next() {
      return pos < src.length() ? src.charAt(pos++) : EOF;
    }

    /** Processes up to {@code stop} (consumed) or the end; word splitting only happens at the top level. */
    String processStopOn(int stop) throws DockerfileException {
      StringBuilder result = new StringBuilder();
      boolean top = stop == EOF;
      while (true) {
        int ch = peek();
        if (ch == EOF) {
          if (stop != EOF) {
            throw new DockerfileException("syntax error: missing '}' in '" + src + "'");
          }
          break;
        }
        if (ch == stop) {
          next();
          break;
        }
        if (heredoc) {
          if (ch == '$') {
            result.append(processDollar());
          } else if (ch == escape) {
            next();
            int n = peek();
            if (n == '$' || n == escape) {
              result.append((char) next());
            } else {
              result.append(escape);
            }
          } else {
            result.append((char) next());
          }
          continue;
        }
        if (ch == '\'') {
          String s = processSingleQuote();
          result.append(s);
          if (top) {
            words.addRawString(s);
          }
        } else if (ch == '"') {
          String s = processDoubleQuote();
          result.append(s);
          if (top) {
            words.addRawString(s);
          }
        } else if (ch == '$') {
          String s = processDollar();
          result.append(s);
          if (top) {
            words.addString(s);
          }
        } else if (ch == escape) {
          next();
          int escaped = next();
          if (escaped == EOF) {
            break; // an escape at the very end is dropped, as BuildKit does
          }
          result.append((char) escaped);
          if (top) {
            words.addRawChar(escaped);
          }
        } else {
          next();
          result.append((char) ch);
          if (top) {
            words.addChar(ch);
          }
        }
      }
      return result.toString();
    }

    String processSingleQuote() throws DockerfileException {
      next();
      StringBuilder sb = new StringBuilder();
      while (true) {
        int ch = next();
        if (ch == EOF) {
          throw new DockerfileException("unexpected end of text looking for the closing single quote in '" + src + "'");
        }
        if (ch == '\'') {
          return sb.toString();
        }
        sb.append((char) ch);
      }
    }

    String processDoubleQuote() throws DockerfileException {
      next();
      StringBuilder sb = new StringBuilder();
      while (true) {
        int ch = peek();
        if (ch == EOF) {
          throw new DockerfileException("unexpected end of text looking for the closing double quote in '" + src + "'");
        }
        if (ch == '"') {
          next();
          return sb.toString();
        }
        if (ch == '$') {
          sb.append(processDollar());
          continue;
        }
        next();
        if (ch == escape) {
          int n = peek();
          if (n == EOF) {
            continue;
          }
          if (n == '"' || n == '$' || n == escape) {
            ch = next();
          }
        }
        sb.append((char) ch);
      }
    }

    String processDollar() throws DockerfileException {
      next(); // $
      if (peek() != '{') {
        String name = processName();
        if (name.isEmpty()) {
          return "$";
        }
        return variables.getOrDefault(name, "");
      }
      next(); // {
      int first = peek();
      if (first == EOF) {
        throw new DockerfileException("syntax error: missing '}' in '" + src + "'");
      }
      if (first == '{' || first == '}' || first == ':') {
        throw new DockerfileException("syntax error: bad substitution in '" + src + "'");
      }
      String name = processName();
      if (name.isEmpty()) {
        throw new DockerfileException("syntax error: bad substitution in '" + src + "'");
      }
      boolean set = variables.containsKey(name);
      String value = variables.getOrDefault(name, "");
      int ch = next();
      switch (ch) {
        case '}' -> {
          return value;
        }
        case '-' -> {
          String word = processStopOn('}');
          return set ? value : word;
        }
        case '+' -> {
          String word = processStopOn('}');
          return set ? word : "";
        }
        case '?' -> {
          String word = processStopOn('}');
          if (!set) {
            throw new DockerfileException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
          }
          return value;
        }
        case ':' -> {
          int op = next();
          String word = processStopOn('}');
          switch (op) {
            case '-' -> {
              return value.isEmpty() ? word : value;
            }
            case '+' -> {
              return value.isEmpty() ? "" : word;
            }
            case '?' -> {
              if (value.isEmpty()) {
                throw new DockerfileException(
                    name + ": " + (word.isEmpty() ? "is not allowed to be unset or empty" : word));
              }
              return value;
            }
            default -> throw new DockerfileException(
                "unsupported modifier ':" + (op == EOF ? "" : Character.toString(op)) + "' in ${" + name + "...} in '"
                    + src + "' (supported: :- - :+ + :? ?)");
          }
        }
        case EOF -> throw new DockerfileException("syntax error: missing '}' in '" + src + "'");
        default -> throw new DockerfileException("unsupported modifier '" + Character.toString(ch) + "' in ${" + name
            + "...} in '" + src + "' (supported: :- - :+ + :? ?)");
      }
    }

    /** A name: letters, digits, underscore; or a run of digits (positional); or one special parameter character. */
    String processName() {
      StringBuilder name = new StringBuilder();
      int ch = peek();
      if (ch != EOF && Character.isDigit(ch)) {
        while (peek() != EOF && Character.isDigit(peek())) {
          name.append((char) next());
        }
        return name.toString();
      }
      if (ch != EOF && "*#@?-$!0".indexOf(ch) >= 0) {
        return Character.toString(next());
      }
      while (peek() != EOF && (Character.isLetterOrDigit(peek()) || peek() == '_')) {
        name.append((char) next());
      }
      return name.toString();
    }
  }
}
