package dev.ferry.globalfunc;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the SQLite and PostgreSQL catalogs share: the tables and every query but search. One connection, used under
 * this object's lock (a catalog call is short; the gateway caches what it resolves). Thread-safe.
 */
abstract class JdbcCatalog implements Catalog {
  static final String COLUMNS =
      "key, space, package, branch, name, code, sha256, md5, modified, lines, signature, params, docstring, error";

  final Connection connection;

  JdbcCatalog(Connection connection) {
    this.connection = connection;
  }

  /** The placeholder for the params column (PostgreSQL casts it to jsonb). */
  String paramsPlaceholder() {
    return "?";
  }

  /** Drops {@code keys} from the search index, before their heads are deleted or rewritten (SQLite). */
  void unindex(List<String> keys) throws SQLException {}

  /** Indexes {@code heads} for search, after they were written. */
  abstract void index(List<FunctionRecord> heads) throws SQLException;

  abstract List<SearchHit> searchQuery(List<List<String>> terms, int limit) throws SQLException;

  /** {@code key -> sha256} of the heads of {@code space} on {@code branch}. */
  public synchronized Map<String, String> headVersions(String space, String branch) throws IOException {
    try (PreparedStatement q = connection.prepareStatement("SELECT key, sha256 FROM functions WHERE space = ? AND branch = ?")) {
      q.setString(1, space);
      q.setString(2, branch);
      Map<String, String> out = new HashMap<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure("read the heads of " + space, e);
    }
  }

  /**
   * Writes only what changed: heads whose content or time differ are rewritten (and re-indexed), heads no longer
   * scanned are deleted, the rest are left alone; so a scan of an unchanged repository writes nothing.
   */
  @Override
  public synchronized void record(String space, String branch, List<FunctionRecord> scanned) throws IOException {
    try {
      Map<String, String> before = new HashMap<>();
      try (PreparedStatement q = connection.prepareStatement("SELECT key, sha256, modified FROM functions WHERE space = ? AND branch = ?")) {
        q.setString(1, space);
        q.setString(2, branch);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            before.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3));
          }
        }
      }
      List<FunctionRecord> changed = new ArrayList<>();
      for (FunctionRecord f : scanned) {
        if (!f.space().equals(space) || !f.branch().equals(branch)) {
          throw new IllegalArgumentException(f.key() + " is not in " + space + " on branch " + branch);
        }
        String old = before.remove(f.key());
        if (!(f.sha256() + " " + f.modified()).equals(old)) {
          changed.add(f);
        }
      }
      List<String> removed = new ArrayList<>(before.keySet());
      if (changed.isEmpty() && removed.isEmpty()) {
        return;
      }
      transaction(
          () -> {
            List<String> leaving = new ArrayList<>(removed);
            changed.forEach(f -> leaving.add(f.key()));
            unindex(leaving);
            try (PreparedStatement del = connection.prepareStatement("DELETE FROM functions WHERE key = ?")) {
              for (String k : removed) {
                del.setString(1, k);
                del.addBatch();
              }
              del.executeBatch();
            }
            StringBuilder set = new StringBuilder();
            for (String c : (COLUMNS + ", scanned_at").split(", ")) {
              if (!c.equals("key")) {
                set.append(set.isEmpty() ? "" : ", ").append(c).append(" = excluded.").append(c);
              }
            }
            try (PreparedStatement ins =
                connection.prepareStatement(insertSql("functions", ", scanned_at", ", ?") + " ON CONFLICT (key) DO UPDATE SET " + set)) {
              String now = Instant.now().toString();
              for (FunctionRecord f : changed) {
                bind(ins, f);
                ins.setString(15, now);
                ins.addBatch();
              }
              ins.executeBatch();
            }
            index(changed);
          });
    } catch (SQLException e) {
      throw failure("record the scan", e);
    }
  }

  @Override
  public synchronized List<PublishResult> publish(List<FunctionRecord> functions) throws IOException {
    List<PublishResult> out = new ArrayList<>();
    try {
      transaction(
          () -> {
            String now = Instant.now().toString();
            try (PreparedStatement ins =
                connection.prepareStatement(insertSql("versions", ", created_at", ", ?") + " ON CONFLICT DO NOTHING")) {
              for (FunctionRecord f : functions) {
                bind(ins, f);
                ins.setString(15, now);
                ins.addBatch();
              }
              ins.executeBatch();
            }
            for (FunctionRecord f : functions) {
              out.add(point(f.key(), f.sha256(), now));
            }
          });
    } catch (SQLException e) {
      throw failure("publish", e);
    }
    return out;
  }

  @Override
  public synchronized PublishResult moveAlias(String key, String sha256) throws IOException {
    try {
      if (version(key, sha256).isEmpty()) {
        throw new IllegalArgumentException("no published version " + sha256 + " of " + key + " (ferry func history " + key + ")");
      }
      String full = version(key, sha256).orElseThrow().sha256();
      PublishResult[] r = new PublishResult[1];
      transaction(() -> r[0] = point(key, full, Instant.now().toString()));
      return r[0];
    } catch (SQLException e) {
      throw failure("move the alias of " + key, e);
    }
  }

  private PublishResult point(String key, String sha256, String now) throws SQLException {
    String previous = "";
    try (PreparedStatement q = connection.prepareStatement("SELECT sha256 FROM aliases WHERE key = ?")) {
      q.setString(1, key);
      try (ResultSet rs = q.executeQuery()) {
        if (rs.next()) {
          previous = rs.getString(1);
        }
      }
    }
    if (!previous.equals(sha256)) {
      try (PreparedStatement up =
          connection.prepareStatement(
              "INSERT INTO aliases(key, sha256, published_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                  + " sha256 = excluded.sha256, published_at = excluded.published_at")) {
        up.setString(1, key);
        up.setString(2, sha256);
        up.setString(3, now);
        up.executeUpdate();
      }
      try (PreparedStatement h = connection.prepareStatement("INSERT INTO history(key, sha256, published_at) VALUES (?, ?, ?)")) {
        h.setString(1, key);
        h.setString(2, sha256);
        h.setString(3, now);
        h.executeUpdate();
      }
    }
    return new PublishResult(key, sha256, previous);
  }

  @Override
  public synchronized Optional<FunctionRecord> current(String key) throws IOException {
    return one(
        "SELECT " + prefixed("v") + " FROM aliases a JOIN versions v ON v.key = a.key AND v.sha256 = a.sha256 WHERE a.key = ?",
        key);
  }

  @Override
  public synchronized Optional<FunctionRecord> version(String key, String versionPrefix) throws IOException {
    String p = versionPrefix.startsWith("sha256:") ? versionPrefix.substring(7) : versionPrefix;
    if (!p.matches("[0-9a-f]{6,64}")) {
      throw new IllegalArgumentException("a version is at least 6 hex digits of the content hash, got '" + versionPrefix + "'");
    }
    try (PreparedStatement q =
        connection.prepareStatement("SELECT " + COLUMNS + " FROM versions WHERE key = ? AND sha256 LIKE ? ORDER BY sha256 LIMIT 2")) {
      q.setString(1, key);
      q.setString(2, p + "%");
      List<FunctionRecord> found = read(q);
      if (found.size() > 1) {
        throw new IllegalArgumentException("version " + p + " of " + key + " is ambiguous; give more hex digits");
      }
      return found.stream().findFirst();
    } catch (SQLException e) {
      throw failure("read " + key, e);
    }
  }

  @Override
  public synchronized Optional<FunctionRecord> head(String key) throws IOException {
    return one("SELECT " + COLUMNS + " FROM functions WHERE key = ?", key);
  }

  @Override
  public synchronized List<FunctionVersion> history(String key) throws IOException {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT h.sha256, h.published_at, v.lines, v.signature, (a.sha256 = h.sha256) AS cur FROM history h"
                + " JOIN versions v ON v.key = h.key AND v.sha256 = h.sha256 LEFT JOIN aliases a ON a.key = h.key"
                + " WHERE h.key = ? ORDER BY h.seq DESC")) {
      q.setString(1, key);
      List<FunctionVersion> out = new ArrayList<>();
      boolean currentSeen = false;
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          // the alias is the newest publication of its version; older rows of the same version are history
          boolean cur = rs.getBoolean(5) && !currentSeen;
          currentSeen |= cur;
          out.add(new FunctionVersion(key, rs.getString(1), rs.getString(2), cur, rs.getInt(3), rs.getString(4)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure("read the history of " + key, e);
    }
  }

  @Override
  public synchronized List<FunctionRecord> list(String space, String packageName, String branch) throws IOException {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT " + COLUMNS + " FROM functions WHERE space = ? AND (? = '' OR package = ?) AND (? = '' OR branch = ?)"
                + " ORDER BY package, branch, name")) {
      q.setString(1, space);
      q.setString(2, packageName);
      q.setString(3, packageName);
      q.setString(4, branch);
      q.setString(5, branch);
      return read(q);
    } catch (SQLException e) {
      throw failure("list " + space, e);
    }
  }

  @Override
  public synchronized List<SearchHit> search(String text, int limit) throws IOException {
    List<List<String>> terms = SearchText.terms(text);
    if (terms.isEmpty()) {
      return List.of();
    }
    try {
      return searchQuery(terms, limit);
    } catch (SQLException e) {
      throw failure("search", e);
    }
  }

  @Override
  public synchronized List<String> keys(String space) throws IOException {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT key FROM functions WHERE space = ? UNION SELECT key FROM aliases WHERE key LIKE ? ESCAPE '\\' ORDER BY 1")) {
      q.setString(1, space);
      q.setString(2, space.replace("_", "\\_").replace("%", "\\%") + ".%");
      List<String> out = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure("list the keys of " + space, e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      connection.close();
    } catch (SQLException e) {
      throw failure("close", e);
    }
  }

  String insertSql(String table, String extraColumn, String extraValue) {
    return "INSERT INTO "
        + table
        + "("
        + COLUMNS
        + extraColumn
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        + paramsPlaceholder()
        + ", ?, ?"
        + extraValue
        + ")";
  }

  static String prefixed(String alias) {
    return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
  }

  static void bind(PreparedStatement s, FunctionRecord f) throws SQLException {
    s.setString(1, f.key());
    s.setString(2, f.space());
    s.setString(3, f.packageName());
    s.setString(4, f.branch());
    s.setString(5, f.name());
    s.setString(6, f.code());
    s.setString(7, f.sha256());
    s.setString(8, f.md5());
    s.setString(9, f.modified());
    s.setInt(10, f.lines());
    s.setString(11, f.signature());
    s.setString(12, f.params());
    s.setString(13, f.docstring());
    s.setString(14, f.error());
  }

  static List<FunctionRecord> read(PreparedStatement q) throws SQLException {
    List<FunctionRecord> out = new ArrayList<>();
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        out.add(
            new FunctionRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getInt(10),
                rs.getString(11),
                rs.getString(12),
                rs.getString(13),
                rs.getString(14)));
      }
    }
    return out;
  }

  private Optional<FunctionRecord> one(String sql, String key) throws IOException {
    try (PreparedStatement q = connection.prepareStatement(sql)) {
      q.setString(1, key);
      return read(q).stream().findFirst();
    } catch (SQLException e) {
      throw failure("read " + key, e);
    }
  }

  interface SqlWork {
    void run() throws SQLException;
  }

  void transaction(SqlWork work) throws SQLException {
    connection.setAutoCommit(false);
    try {
      work.run();
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  IOException failure(String what, SQLException e) {
    return new IOException("could not " + what + " in the catalog " + location() + ": " + e.getMessage(), e);
  }
}
