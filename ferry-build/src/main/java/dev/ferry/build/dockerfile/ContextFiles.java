package dev.ferry.build.dockerfile;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves {@code COPY}/{@code ADD} sources against a build context directory and its {@code .dockerignore}. Reads
 * directory listings only, never file contents; thread-safe as long as the context does not change underneath.
 *
 * <p>A source is a path relative to the context ({@code /x} and {@code ../x} both mean {@code x}, as BuildKit keeps
 * sources inside the context) and may hold Go {@code filepath.Match} wildcards in any segment: {@code *},
 * {@code ?}, {@code [...]}. As in Docker, {@code **} has no special meaning in a source: it is two {@code *} and
 * stays within one directory. Symbolic links are listed, never followed.
 */
public final class ContextFiles {
  private final Path root;
  private final DockerIgnore ignore;

  private ContextFiles(Path root, DockerIgnore ignore) {
    this.root = Objects.requireNonNull(root, "root");
    this.ignore = Objects.requireNonNull(ignore, "ignore");
  }

  /** Sources under {@code contextDir}, filtered by {@code ignore}. */
  public static ContextFiles of(Path contextDir, DockerIgnore ignore) {
    return new ContextFiles(contextDir, ignore);
  }

  /** What a context path is. */
  public enum Kind {
    FILE,
    DIRECTORY,
    SYMLINK,
    OTHER
  }

  /**
   * A path in the context.
   *
   * @param path slash-separated, relative to the context root; {@code .} for the root itself
   * @param kind what it is, links not followed
   */
  public record Entry(String path, Kind kind) {
    public Entry {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(kind, "kind");
    }
  }

  /**
   * The context paths one source names: the path itself, or every path a pattern matches, sorted; directories are
   * returned as themselves (see {@link #walk} for their contents). An excluded directory counts when an exception
   * re-includes something beneath it.
   *
   * @throws ContextSourceException when nothing matches, naming the source and, when {@code .dockerignore} excluded
   *     what did match, the rule
   * @throws IOException when listing fails
   */
  public List<Entry> resolve(String source) throws IOException {
    String clean = Globs.contextPath(source);
    if (clean.equals(".")) {
      return List.of(new Entry(".", Kind.DIRECTORY));
    }
    if (!Globs.hasMeta(clean)) {
      Path p = root.resolve(clean);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new ContextSourceException("COPY source '" + source + "' not found in the build context " + root
            + ": no file or directory " + clean, source, Optional.empty());
      }
      Entry e = new Entry(clean, kind(p));
      Optional<DockerIgnore.Rule> rule = excludedBy(e);
      if (rule.isPresent()) {
        throw new ContextSourceException("COPY source '" + source + "' is excluded by .dockerignore rule "
            + rule.get().describe() + "; remove the rule or add an exception !" + clean, source, rule);
      }
      return List.of(e);
    }

    String[] segments = clean.split("/");
    List<Pattern> compiled = new ArrayList<>();
    for (String seg : segments) {
      try {
        compiled.add(Globs.hasMeta(seg) ? Globs.compile(seg, false) : null);
      } catch (IllegalArgumentException e) {
        throw new ContextSourceException("COPY source '" + source + "' is not a valid pattern: " + e.getMessage(),
            source, Optional.empty());
      }
    }
    List<String> current = List.of("");
    for (int k = 0; k < segments.length; k++) {
      List<String> next = new ArrayList<>();
      boolean last = k == segments.length - 1;
      for (String dir : current) {
        Path d = dir.isEmpty() ? root : root.resolve(dir);
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (compiled.get(k) == null) {
          String child = join(dir, segments[k]);
          Path c = root.resolve(child);
          if (Files.exists(c, LinkOption.NOFOLLOW_LINKS) && (last || Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS))) {
            next.add(child);
          }
          continue;
        }
        for (String name : list(d)) {
          if (compiled.get(k).matcher(name).matches()) {
            next.add(join(dir, name));
          }
        }
      }
      current = next;
    }
    List<Entry> out = new ArrayList<>();
    DockerIgnore.Rule firstRule = null;
    List<String> excluded = new ArrayList<>();
    for (String path : current.stream().sorted().toList()) {
      Entry e = new Entry(path, kind(root.resolve(path)));
      Optional<DockerIgnore.Rule> rule = excludedBy(e);
      if (rule.isPresent()) {
        firstRule = firstRule == null ? rule.get() : firstRule;
        excluded.add(path);
      } else {
        out.add(e);
      }
    }
    if (out.isEmpty()) {
      if (excluded.isEmpty()) {
        throw new ContextSourceException("COPY source pattern '" + source + "' matches nothing in the build context "
            + root, source, Optional.empty());
      }
      throw new ContextSourceException("COPY source pattern '" + source + "' matches only paths excluded by "
          + ".dockerignore: " + String.join(", ", excluded.subList(0, Math.min(5, excluded.size())))
          + (excluded.size() > 5 ? ", ..." : "") + " (rule " + firstRule.describe() + ")", source,
          Optional.of(firstRule));
    }
    return List.copyOf(out);
  }

  /**
   * Everything a resolved entry brings along: the entry itself and, for a directory, every path beneath it that
   * {@code .dockerignore} keeps, parents before children, sorted. An excluded directory is walked only when an
   * exception may re-include something beneath it, and is then listed only if it does.
   */
  public List<Entry> walk(Entry entry) throws IOException {
    List<Entry> out = new ArrayList<>();
    if (!entry.path().equals(".")) {
      out.add(entry);
    }
    if (entry.kind() == Kind.DIRECTORY) {
      walkInto(entry.path(), out);
    }
    return List.copyOf(out);
  }

  private void walkInto(String dir, List<Entry> out) throws IOException {
    Path d = dir.equals(".") ? root : root.resolve(dir);
    for (String name : list(d)) {
      String path = dir.equals(".") ? name : dir + "/" + name;
      Kind kind = kind(root.resolve(path));
      boolean excluded = ignore.whichRule(path).isPresent();
      if (!excluded) {
        out.add(new Entry(path, kind));
        if (kind == Kind.DIRECTORY) {
          walkInto(path, out);
        }
      } else if (kind == Kind.DIRECTORY && ignore.mayIncludeBeneath(path)) {
        List<Entry> beneath = new ArrayList<>();
        walkInto(path, beneath);
        if (!beneath.isEmpty()) {
          out.add(new Entry(path, kind));
          out.addAll(beneath);
        }
      }
    }
  }

  /** The rule that excludes an entry; a directory with re-included content is not excluded. */
  private Optional<DockerIgnore.Rule> excludedBy(Entry e) throws IOException {
    Optional<DockerIgnore.Rule> rule = ignore.whichRule(e.path());
    if (rule.isPresent() && e.kind() == Kind.DIRECTORY && ignore.mayIncludeBeneath(e.path())) {
      List<Entry> beneath = new ArrayList<>();
      walkInto(e.path(), beneath);
      if (!beneath.isEmpty()) {
        return Optional.empty();
      }
    }
    return rule;
  }

  private static String join(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }

  private static List<String> list(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        names.add(p.getFileName().toString());
      }
    }
    names.sort(null);
    return names;
  }

  private static Kind kind(Path p) {
    if (Files.isSymbolicLink(p)) {
      return Kind.SYMLINK;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return Kind.DIRECTORY;
    }
    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      return Kind.FILE;
    }
    return Kind.OTHER;
  }
}
