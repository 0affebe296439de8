package dev.ferry.globalfunc;

import java.util.ArrayList;
import java.util.List;

/**
 * Text prepared for full-text indexes whose tokenizers split on spaces and punctuation only: identifiers are also
 * split at underscores and camel case, and every Han character becomes its own token (Chinese has no spaces).
 * Stateless.
 */
final class SearchText {
  private SearchText() {}

  /** The text to index for {@code s}. */
  static String index(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      if (isHan(cp)) {
        b.append(' ').appendCodePoint(cp).append(' ');
      } else if (cp == '_') {
        b.append(' ');
      } else {
        if (Character.isUpperCase(cp) && i > 0 && Character.isLowerCase(s.codePointBefore(i))) {
          b.append(' ');
        }
        b.appendCodePoint(cp);
      }
      i += n;
    }
    return b.toString();
  }

  /**
   * The words of a query: runs of letters and digits, lower case; a run of Han characters is one word whose
   * characters must appear in sequence (a phrase of single characters).
   */
  static List<List<String>> terms(String query) {
    List<List<String>> out = new ArrayList<>();
    String prepared = index(query);
    StringBuilder word = new StringBuilder();
    List<String> han = new ArrayList<>();
    for (int i = 0; i < prepared.length(); ) {
      int cp = prepared.codePointAt(i);
      i += Character.charCount(cp);
      if (isHan(cp)) {
        flush(word, out);
        han.add(new String(Character.toChars(cp)));
      } else if (Character.isLetterOrDigit(cp)) {
        if (!han.isEmpty()) {
          out.add(List.copyOf(han));
          han.clear();
        }
        word.appendCodePoint(Character.toLowerCase(cp));
      } else {
        flush(word, out);
        if (cp != ' ' && !han.isEmpty()) {
          out.add(List.copyOf(han));
          han.clear();
        }
      }
    }
    flush(word, out);
    if (!han.isEmpty()) {
      out.add(List.copyOf(han));
    }
    return out;
  }

  private static void flush(StringBuilder word, List<List<String>> out) {
    if (!word.isEmpty()) {
      out.add(List.of(word.toString()));
      word.setLength(0);
    }
  }

  private static boolean isHan(int cp) {
    return Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN;
  }

  /**
   * Whether the last word of a query is matched as a prefix (search as you type): only words of three or more
   * characters that are not numbers, since shorter prefixes expand to a large part of the vocabulary.
   */
  static boolean prefixLast(List<List<String>> terms) {
    List<String> last = terms.get(terms.size() - 1);
    return last.size() == 1 && last.get(0).length() >= 3 && !last.get(0).chars().allMatch(Character::isDigit);
  }
}
