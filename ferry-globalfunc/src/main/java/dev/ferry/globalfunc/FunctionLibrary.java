package dev.ferry.globalfunc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The development operations of the original notes' {@code GFBase} over a repository and a catalog: scan, publish,
 * restore. Stateless; each method is one operation.
 */
public final class FunctionLibrary {
  private FunctionLibrary() {}

  /** What changed for one function since the previous scan of its branch. */
  public enum Change {
    NEW,
    CHANGED,
    UNCHANGED,
    REMOVED
  }

  /** One line of a scan report. */
  public record Scanned(FunctionRecord function, Change change) {}

  /**
   * Scans {@code repo} (its current branch) into {@code space} of {@code catalog}: records the heads and reports
   * what is new, changed, unchanged and removed. Removed functions have the previous head as their record.
   */
  public static List<Scanned> scan(FunctionRepository repo, Catalog catalog, String space, WorkerSettings settings) throws IOException {
    String branch = repo.branch();
    Map<String, FunctionRecord> known = new HashMap<>();
    for (FunctionRecord f : catalog.list(space, "", branch)) {
      known.put(f.key(), f);
    }
    List<FunctionRecord> found = Scanner.scan(repo, space, settings, known);
    Map<String, String> before = new HashMap<>();
    known.forEach((k, f) -> before.put(k, f.sha256()));
    List<FunctionRecord> removed = new ArrayList<>();
    java.util.Set<String> now = new java.util.HashSet<>();
    found.forEach(f -> now.add(f.key()));
    for (String k : new java.util.TreeSet<>(before.keySet())) {
      if (!now.contains(k)) {
        catalog.head(k).ifPresent(removed::add);
      }
    }
    catalog.record(space, branch, found);
    List<Scanned> out = new ArrayList<>();
    for (FunctionRecord f : found) {
      String old = before.get(f.key());
      out.add(new Scanned(f, old == null ? Change.NEW : old.equals(f.sha256()) ? Change.UNCHANGED : Change.CHANGED));
    }
    removed.forEach(f -> out.add(new Scanned(f, Change.REMOVED)));
    return out;
  }

  /**
   * Scans {@code repo}, then publishes the functions named in {@code names} (keys or {@code pack_func}s; packages
   * alone select all their functions; empty for everything scanned). Functions that do not load (a syntax error) are
   * refused: a version that cannot run is not published.
   */
  public static List<PublishResult> publish(
      FunctionRepository repo, Catalog catalog, String space, WorkerSettings settings, List<String> names) throws IOException {
    List<Scanned> scanned = scan(repo, catalog, space, settings);
    String branch = repo.branch();
    Set<String> wanted = new LinkedHashSet<>();
    Set<String> packages = new LinkedHashSet<>();
    for (String n : names) {
      if (FunctionKeys.isIdentifier(n)) {
        packages.add(n);
      } else {
        wanted.add(FunctionKeys.resolve(n, space, branch));
      }
    }
    List<FunctionRecord> chosen = new ArrayList<>();
    for (Scanned s : scanned) {
      FunctionRecord f = s.function();
      if (s.change() == Change.REMOVED) {
        continue;
      }
      boolean pick = names.isEmpty() || wanted.remove(f.key()) || packages.contains(f.packageName());
      if (!pick) {
        continue;
      }
      if (!f.error().isEmpty()) {
        throw new IOException("cannot publish " + f.key() + ": " + f.error() + "; fix " + f.packageName() + "/" + f.name() + ".py and publish again");
      }
      chosen.add(f);
    }
    if (!wanted.isEmpty()) {
      throw new IllegalArgumentException("not in the repository on branch " + branch + ": " + String.join(", ", wanted));
    }
    for (String p : packages) {
      if (chosen.stream().noneMatch(f -> f.packageName().equals(p))) {
        throw new IllegalArgumentException("no package " + p + " with functions in " + repo.root());
      }
    }
    return catalog.publish(chosen);
  }

  /**
   * Writes {@code function} to {@code dir/PACKAGE/NAME.py} and regenerates that package's {@code __init__.py}
   * (the original notes' {@code _gen_a_file}). Returns the file written.
   */
  public static Path restore(FunctionRecord function, Path dir) throws IOException {
    Path pkg = dir.resolve(function.packageName());
    Files.createDirectories(pkg);
    Path file = pkg.resolve(function.name() + ".py");
    FunctionRepository.writeAtomically(file, function.code().getBytes(StandardCharsets.UTF_8));
    FunctionRepository.writeInit(pkg);
    return file;
  }
}
