package dev.ferry.build.dockerfile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rules of a {@code .dockerignore} file, matched as Docker and BuildKit match them. Immutable and thread-safe.
 *
 * <p>A line starting with {@code #} is a comment; other lines are trimmed and blank ones skipped. A leading
 * {@code !} makes an exception that re-includes what it matches. Patterns are cleaned like Go's
 * {@code filepath.Clean} (so {@code ./a/} is {@code a}) and a leading {@code /} is dropped. They use Go's
 * {@code filepath.Match} syntax ({@code *}, {@code ?}, {@code [...]}, {@code \} escapes) plus {@code **}, which
 * matches any number of directories. A path is excluded when the last rule that matches it, or matches one of its
 * parent directories, is not an exception — so excluding a directory excludes everything beneath it unless a later
 * exception re-includes something there.
 *
 * @see <a href="https://docs.docker.com/build/concepts/context/#dockerignore-files">.dockerignore files</a>
 */
public final class DockerIgnore {
  private static final DockerIgnore EMPTY = new DockerIgnore(List.of());

  /**
   * One rule.
   *
   * @param pattern the cleaned pattern, without {@code !}
   * @param exception whether the line started with {@code !}
   * @param line the 1-based line
   * @param text the line as written, trimmed
   */
  public record Rule(String pattern, boolean exception, int line, String text) {
    public Rule {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(text, "text");
    }

    /** {@code 'text' (.dockerignore line N)}, for messages. */
    public String describe() {
      return "'" + text + "' (.dockerignore line " + line + ")";
    }
  }

  private final List<Rule> rules;
  private final List<Pattern> patterns;
  private final boolean hasExceptions;

  private DockerIgnore(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    List<Pattern> ps = new ArrayList<>();
    for (Rule r : rules) {
      ps.add(Globs.compile(r.pattern(), true));
    }
    this.patterns = List.copyOf(ps);
    this.hasExceptions = rules.stream().anyMatch(Rule::exception);
  }

  /** No rules: nothing is excluded. */
  public static DockerIgnore empty() {
    return EMPTY;
  }

  /**
   * Parses the text of a {@code .dockerignore} file.
   *
   * @throws DockerfileException at {@code .dockerignore:line:1} for a malformed pattern or a lone {@code !}
   */
  public static DockerIgnore parse(String text) throws DockerfileException {
    List<Rule> rules = new ArrayList<>();
    String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
    String[] lines = t.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("#")) {
        continue;
      }
      String p = line.strip();
      if (p.isEmpty()) {
        continue;
      }
      boolean exception = p.startsWith("!");
      if (exception) {
        p = p.substring(1).strip();
        if (p.isEmpty()) {
          throw new DockerfileException("illegal exception pattern '!': it needs a pattern after the !",
              Location.at(".dockerignore", i + 1, 1), line);
        }
      }
      p = Globs.clean(p);
      if (p.length() > 1 && p.startsWith("/")) {
        p = p.substring(1);
      }
      try {
        Globs.compile(p, true);
      } catch (IllegalArgumentException e) {
        throw new DockerfileException("bad pattern: " + e.getMessage(), Location.at(".dockerignore", i + 1, 1), line);
      }
      rules.add(new Rule(p, exception, i + 1, line.strip()));
    }
    return new DockerIgnore(rules);
  }

  /** Reads {@code file} if it exists; no file means no rules. */
  public static DockerIgnore read(Path file) throws IOException, DockerfileException {
    if (!Files.isRegularFile(file)) {
      return EMPTY;
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** The rules in file order. */
  public List<Rule> rules() {
    return rules;
  }

  /** Whether any rule starts with {@code !}; then an excluded directory may still have included content. */
  public boolean hasExceptions() {
    return hasExceptions;
  }

  /**
   * Whether the context path is excluded.
   *
   * @param relativePath a slash-separated path relative to the context root ({@code ./} and leading {@code /}
   *     ignored)
   * @param isDir whether it is a directory; Docker's rules do not distinguish (a trailing {@code /} in a pattern is
   *     cleaned away), so this only documents intent
   */
  public boolean matches(String relativePath, boolean isDir) {
    return whichRule(relativePath).isPresent();
  }

  /** The rule that excludes the path, or empty when the path is included. */
  public Optional<Rule> whichRule(String relativePath) {
    String path = Globs.contextPath(relativePath);
    if (path.equals(".")) {
      return Optional.empty();
    }
    boolean matched = false;
    Rule decided = null;
    String[] parts = path.split("/");
    for (int r = 0; r < rules.size(); r++) {
      Rule rule = rules.get(r);
      // An exclusion cannot change an excluded path, nor an exception an included one.
      if (rule.exception() != matched) {
        continue;
      }
      Pattern p = patterns.get(r);
      boolean match = p.matcher(path).matches();
      if (!match) {
        StringBuilder parent = new StringBuilder();
        for (int k = 0; k < parts.length - 1 && !match; k++) {
          if (k > 0) {
            parent.append('/');
          }
          parent.append(parts[k]);
          match = p.matcher(parent).matches();
        }
      }
      if (match) {
        matched = !rule.exception();
        decided = matched ? rule : null;
      }
    }
    return Optional.ofNullable(decided);
  }

  /**
   * Whether an exception could re-include something beneath the excluded directory {@code dir}; when false a walk can
   * skip it, as BuildKit does.
   */
  public boolean mayIncludeBeneath(String dir) {
    if (!hasExceptions) {
      return false;
    }
    String d = Globs.contextPath(dir);
    for (Rule r : rules) {
      if (!r.exception()) {
        continue;
      }
      String p = r.pattern();
      if (p.startsWith("**") || p.startsWith(d + "/")) {
        return true;
      }
      // A pattern whose leading directories are globs may reach into d: compare segment by segment.
      String[] ps = p.split("/");
      String[] ds = d.split("/");
      boolean prefix = ps.length > ds.length;
      for (int k = 0; prefix && k < ds.length; k++) {
        if (ps[k].contains("**")) {
          return true;
        }
        prefix = Globs.compile(ps[k], false).matcher(ds[k]).matches();
      }
      if (prefix) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "DockerIgnore" + rules.stream().map(Rule::text).toList();
  }
}
