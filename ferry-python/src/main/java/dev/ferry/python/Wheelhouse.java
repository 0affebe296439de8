package dev.ferry.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A directory of wheels: either one target's wheelhouse (as {@link WheelhouseBuilder} writes it, with
 * {@code wheelhouse.json}) or a directory whose subdirectories are such wheelhouses, or any directory of
 * {@code .whl} files. {@link #select} picks the best wheel of every project for a target. Immutable.
 */
public final class Wheelhouse {
  /** Name of the manifest a built wheelhouse carries: target, and per file its project, version, hash and source. */
  public static final String MANIFEST = "wheelhouse.json";

  private final Path dir;
  private final List<Entry> entries;

  /** One wheel file of the wheelhouse, with the hash and source URL its manifest recorded (when it has one). */
  public record Entry(Path file, WheelFilename name, Optional<String> sha256, Optional<String> url) {}

  private Wheelhouse(Path dir, List<Entry> entries) {
    this.dir = dir;
    this.entries = List.copyOf(entries);
  }

  /** Lists the wheels in {@code dir} and its direct subdirectories. */
  public static Wheelhouse scan(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new WheelException("wheelhouse " + dir + " is not a directory");
    }
    List<Entry> out = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    dirs.add(dir);
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory).sorted().forEach(dirs::add);
    }
    for (Path d : dirs) {
      Map<String, JsonNode> recorded = new HashMap<>();
      Path manifest = d.resolve(MANIFEST);
      if (Files.isRegularFile(manifest)) {
        JsonNode root = new ObjectMapper().readTree(manifest.toFile());
        for (JsonNode w : root.path("wheels")) {
          recorded.put(w.path("file").asText(), w);
        }
      }
      try (Stream<Path> s = Files.list(d)) {
        for (Path f : s.filter(p -> WheelFilename.isWheel(p.getFileName().toString())).sorted().toList()) {
          WheelFilename name;
          try {
            name = WheelFilename.parse(f.getFileName().toString());
          } catch (IllegalArgumentException e) {
            throw new WheelException(f + ": " + e.getMessage());
          }
          JsonNode r = recorded.get(name.filename());
          Optional<String> sha = r == null ? Optional.empty() : Optional.of(r.path("sha256").asText());
          Optional<String> url = r == null || !r.hasNonNull("url") ? Optional.empty() : Optional.of(r.get("url").asText());
          out.add(new Entry(f, name, sha, url));
        }
      }
    }
    if (out.isEmpty()) {
      throw new WheelException("wheelhouse " + dir + " has no .whl files");
    }
    return new Wheelhouse(dir, out);
  }

  public Path dir() {
    return dir;
  }

  public List<Entry> entries() {
    return entries;
  }

  /**
   * The best wheel of each project for {@code target}, in project-name order.
   *
   * @throws WheelException listing the project, the target and the closest tags that exist, when a project has no
   *     compatible wheel; or when the wheelhouse holds two versions of a project
   */
  public List<Entry> select(PythonTarget target) throws WheelException {
    PythonTarget.Ranking ranking = target.ranking();
    Map<String, List<Entry>> byProject = new TreeMap<>();
    for (Entry e : entries) {
      byProject.computeIfAbsent(e.name().project(), k -> new ArrayList<>()).add(e);
    }
    List<Entry> chosen = new ArrayList<>();
    for (Map.Entry<String, List<Entry>> p : byProject.entrySet()) {
      Set<String> versions = new LinkedHashSet<>();
      p.getValue().forEach(e -> versions.add(Names.canonicalVersion(e.name().version())));
      if (versions.size() > 1) {
        throw new WheelException("wheelhouse " + dir + " holds several versions of " + p.getKey() + " ("
            + String.join(", ", versions) + "); keep one");
      }
      Optional<Entry> best = best(p.getValue(), Entry::name, ranking);
      if (best.isEmpty()) {
        List<Tag> all = new ArrayList<>();
        p.getValue().forEach(e -> all.addAll(e.name().tags()));
        throw new WheelException(noCompatible(p.getKey(), p.getValue().get(0).name().version(), target, all, false));
      }
      chosen.add(best.get());
    }
    return chosen;
  }

  /** The best-ranked candidate (ties: higher build number, then file name), empty when none is compatible. */
  static <T> Optional<T> best(List<T> candidates, java.util.function.Function<T, WheelFilename> name,
      PythonTarget.Ranking ranking) {
    Comparator<T> order = Comparator.<T>comparingInt(c -> ranking.of(name.apply(c).tags()).orElse(Integer.MAX_VALUE))
        .thenComparing(c -> -name.apply(c).buildNumber())
        .thenComparing(c -> name.apply(c).filename());
    return candidates.stream().filter(c -> ranking.supports(name.apply(c).tags())).min(order);
  }

  /**
   * The message for a project without a compatible wheel: the project, the target, and up to six existing tags,
   * closest first (same architecture and Python first).
   */
  static String noCompatible(String project, String version, PythonTarget target, List<Tag> existing,
      boolean sdistOnly) {
    List<Tag> distinct = new ArrayList<>(new LinkedHashSet<>(existing));
    distinct.sort(Comparator.comparingInt((Tag t) -> -closeness(target, t)).thenComparing(Tag::toString));
    String tags = distinct.isEmpty()
        ? (sdistOnly ? "only a source distribution exists" : "no wheels exist")
        : "closest tags that exist: " + Tag.join(distinct.subList(0, Math.min(6, distinct.size())))
            + (sdistOnly ? " (and a source distribution)" : "");
    return "no compatible wheel of " + project + " " + version + " for target " + target.name() + " (" + target + "); "
        + tags + "; build a wheel for this target and add it with --find-links";
  }

  private static int closeness(PythonTarget target, Tag t) {
    int score = 0;
    if (t.platform().endsWith("_" + target.arch()) || t.platform().equals("any")) {
      score += 4;
    }
    if (t.interpreter().equals(target.interpreter()) || t.interpreter().startsWith("py3")) {
      score += 2;
    }
    if (t.platform().startsWith(target.libc() == PythonTarget.Libc.GLIBC ? "manylinux" : "musllinux")) {
      score += 1;
    }
    return score;
  }
}
