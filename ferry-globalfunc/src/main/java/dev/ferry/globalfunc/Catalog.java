package dev.ferry.globalfunc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The function catalog: what the last scan of each branch found (the <em>heads</em>), every published version
 * (immutable, by content hash), the branch aliases that point at one version each, and their history. Thread-safe.
 *
 * <p>Two stores implement it: SQLite (embedded, the default; FTS5 for search) and PostgreSQL (shared; JSONB and full
 * text search), chosen by {@link #open(String)}.
 */
public interface Catalog extends AutoCloseable {

  /**
   * Opens the catalog at {@code url}: {@code postgresql://…} or {@code jdbc:postgresql://…} for PostgreSQL;
   * {@code sqlite:PATH}, {@code jdbc:sqlite:PATH} or a plain path for SQLite (created when missing).
   */
  static Catalog open(String url) throws IOException {
    if (url.startsWith("postgresql://") || url.startsWith("postgres://") || url.startsWith("jdbc:postgresql:")) {
      return PostgresCatalog.open(url);
    }
    String path = url;
    if (path.startsWith("jdbc:sqlite:")) {
      path = path.substring("jdbc:sqlite:".length());
    } else if (path.startsWith("sqlite:")) {
      path = path.substring("sqlite:".length());
    }
    if (path.isEmpty() || path.contains("://")) {
      throw new IllegalArgumentException(
          "catalog must be a file path, sqlite:PATH or postgresql://USER@HOST:PORT/DB, got " + url);
    }
    Path p = Path.of(path).toAbsolutePath();
    Files.createDirectories(p.getParent());
    return SqliteCatalog.open(p);
  }

  /** Replaces the heads of {@code space} on {@code branch} by {@code scanned} (functions no longer there drop out). */
  void record(String space, String branch, List<FunctionRecord> scanned) throws IOException;

  /**
   * Stores each function's version (once per content hash) and moves its alias to it; in one transaction.
   */
  List<PublishResult> publish(List<FunctionRecord> functions) throws IOException;

  /** Moves the alias of {@code key} back (or forward) to the published version {@code sha256}. */
  PublishResult moveAlias(String key, String sha256) throws IOException;

  /** The version the alias of {@code key} points at. */
  Optional<FunctionRecord> current(String key) throws IOException;

  /**
   * The published version of {@code key} whose hash starts with {@code versionPrefix} (at least 6 hex digits).
   *
   * @throws IllegalArgumentException when the prefix is short or matches several versions
   */
  Optional<FunctionRecord> version(String key, String versionPrefix) throws IOException;

  /** What the last scan recorded for {@code key}. */
  Optional<FunctionRecord> head(String key) throws IOException;

  /** Publications of {@code key}, newest first. */
  List<FunctionVersion> history(String key) throws IOException;

  /** Heads of {@code space}, by package and name; empty filters match everything. */
  List<FunctionRecord> list(String space, String packageName, String branch) throws IOException;

  /** Ranked full-text search over names, docstrings and code of the heads. */
  List<SearchHit> search(String text, int limit) throws IOException;

  /** {@code key -> version} of what the last scan of {@code branch} recorded in {@code space}. */
  java.util.Map<String, String> headVersions(String space, String branch) throws IOException;

  /** Every key known in {@code space} (heads and aliases), for "did you mean". */
  List<String> keys(String space) throws IOException;

  /** Where the catalog is, for messages (no credentials). */
  String location();

  @Override
  void close() throws IOException;
}
