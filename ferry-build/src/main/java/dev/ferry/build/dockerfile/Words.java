package dev.ferry.build.dockerfile;

import java.util.ArrayList;
import java.util.List;

/** Splitting of instruction arguments the way BuildKit's Dockerfile parser does. Stateless. */
final class Words {
  private Words() {}

  /** A word and its offsets {@code [start, end)} in the logical line. */
  record Token(String value, int start, int end) {}

  /** Outcome of trying to read a JSON array of strings. */
  enum JsonKind {
    STRINGS,
    NOT_STRINGS,
    INVALID
  }

  record JsonResult(JsonKind kind, List<String> values) {}

  /** Splits at whitespace, nothing else special (BuildKit's {@code parseStringsWhitespaceDelimited}). */
  static List<Token> whitespace(String s, int from) {
    List<Token> out = new ArrayList<>();
    int i = from;
    while (i < s.length()) {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i > start) {
        out.add(new Token(s.substring(start, i), start, i));
      }
    }
    return out;
  }

  /**
   * Splits at unquoted whitespace keeping quotes and escapes in the words (BuildKit's {@code parseWords}); a later
   * {@link Expander} pass removes them.
   */
  static List<Token> quoted(String s, int from, char escape) {
    List<Token> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int start = -1;
    char quote = 0;
    boolean blankOk = false;
    int i = from;
    while (i <= s.length()) {
      if (i == s.length()) {
        if (start >= 0 && (blankOk || word.length() > 0)) {
          out.add(new Token(word.toString(), start, i));
        }
        break;
      }
      char ch = s.charAt(i);
      if (start < 0) {
        if (Character.isWhitespace(ch)) {
          i++;
          continue;
        }
        start = i;
      }
      if (quote == 0) {
        if (Character.isWhitespace(ch)) {
          if (blankOk || word.length() > 0) {
            out.add(new Token(word.toString(), start, i));
          }
          word.setLength(0);
          blankOk = false;
          start = -1;
          i++;
          continue;
        }
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blankOk = true;
        }
        if (ch == escape) {
          if (i + 1 == s.length()) {
            i++;
            continue;
          }
          word.append(ch);
          i++;
          ch = s.charAt(i);
        }
        word.append(ch);
        i++;
        continue;
      }
      if (ch == quote) {
        quote = 0;
      } else if (ch == escape && quote != '\'') {
        if (i + 1 == s.length()) {
          i++;
          continue;
        }
        word.append(ch);
        i++;
        ch = s.charAt(i);
      }
      word.append(ch);
      i++;
    }
    return out;
  }

  /** A {@code --name[=value]} flag before an instruction's arguments. */
  record Flag(String name, String value, boolean hasValue, int start, int end) {}

  /** Leading flags and the offset where the arguments begin (BuildKit's {@code extractBuilderFlags}). */
  record Flags(List<Flag> flags, int argsStart) {}

  static Flags flags(String s, int from) {
    List<Flag> flags = new ArrayList<>();
    int i = from;
    while (true) {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i + 1 >= s.length() || s.charAt(i) != '-' || s.charAt(i + 1) != '-') {
        return new Flags(flags, i);
      }
      int start = i;
      StringBuilder word = new StringBuilder();
      char quote = 0;
      while (i < s.length()) {
        char ch = s.charAt(i);
        if (quote == 0 && Character.isWhitespace(ch)) {
          break;
        }
        if (quote == 0 && (ch == '\'' || ch == '"')) {
          quote = ch;
          i++;
          continue;
        }
        if (quote != 0 && ch == quote) {
          quote = 0;
          i++;
          continue;
        }
        if (ch == '\\' && i + 1 < s.length()) {
          i++;
          ch = s.charAt(i);
        }
        word.append(ch);
        i++;
      }
      String w = word.toString();
      if (w.equals("--")) {
        return new Flags(flags, i);
      }
      String body = w.substring(2);
      int eq = body.indexOf('=');
      flags.add(eq < 0
          ? new Flag(body, "", false, start, i)
          : new Flag(body.substring(0, eq), body.substring(eq + 1), true, start, i));
    }
  }

  /** Reads a JSON array; says whether it held only strings, held something else, or was not JSON. */
  static JsonResult jsonArray(String s) {
    JsonReader r = new JsonReader(s.strip());
    try {
      List<Object> values = r.array();
      r.ws();
      if (r.pos != r.s.length()) {
        return new JsonResult(JsonKind.INVALID, List.of());
      }
      List<String> strings = new ArrayList<>();
      for (Object o : values) {
        if (!(o instanceof String str)) {
          return new JsonResult(JsonKind.NOT_STRINGS, List.of());
        }
        strings.add(str);
      }
      return new JsonResult(JsonKind.STRINGS, strings);
    } catch (IllegalArgumentException e) {
      return new JsonResult(JsonKind.INVALID, List.of());
    }
  }

  /** A just-enough JSON reader: strings are returned, every other value as a marker object. */
  private static final class JsonReader {
    private static final Object OTHER = new Object();
    final String s;
    int pos;

    JsonReader(String s) {
      this.s = s;
    }

    void ws() {
      while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    char peek() {
      if (pos >= s.length()) {
        throw new IllegalArgumentException("end");
      }
      return s.charAt(pos);
    }

    void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException("expected " + c);
      }
      pos++;
    }

    List<Object> array() {
      ws();
      expect('[');
      List<Object> out = new ArrayList<>();
      ws();
      if (peek() == ']') {
        pos++;
        return out;
      }
      while (true) {
        out.add(value());
        ws();
        if (peek() == ',') {
          pos++;
          continue;
        }
        expect(']');
        return out;
      }
    }

    Object value() {
      ws();
      char c = peek();
      switch (c) {
        case '"' -> {
          return string();
        }
        case '[' -> {
          array();
          return OTHER;
        }
        case '{' -> {
          pos++;
          ws();
          if (peek() == '}') {
            pos++;
            return OTHER;
          }
          while (true) {
            ws();
            string();
            ws();
            expect(':');
            value();
            ws();
            if (peek() == ',') {
              pos++;
              continue;
            }
            expect('}');
            return OTHER;
          }
        }
        default -> {
          int start = pos;
          while (pos < s.length() && "-+.eE0123456789truefalsn".indexOf(s.charAt(pos)) >= 0) {
            pos++;
          }
          String lit = s.substring(start, pos);
          if (lit.equals("true") || lit.equals("false") || lit.equals("null")
              || lit.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
            return OTHER;
          }
          throw new IllegalArgumentException("bad literal");
        }
      }
    }

    String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = peek();
        pos++;
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw new IllegalArgumentException("control character");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = peek();
        pos++;
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw new IllegalArgumentException("short \\u");
            }
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw new IllegalArgumentException("bad escape");
        }
      }
    }
  }
}
