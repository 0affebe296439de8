package dev.ferry.globalfunc;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The embedded catalog: one SQLite file (WAL journal, so readers in other processes do not block a scan), FTS5 for
 * ranked search (bm25, names weigh most, then docstrings, then code). Thread-safe.
 */
final class SqliteCatalog extends JdbcCatalog {
  private final Path file;

  private SqliteCatalog(Connection connection, Path file) {
    super(connection);
    this.file = file;
  }

  static SqliteCatalog open(Path file) throws IOException {
    try {
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA busy_timeout=10000");
        s.execute("PRAGMA foreign_keys=ON");
        String cols =
            "key TEXT NOT NULL, space TEXT NOT NULL, package TEXT NOT NULL, branch TEXT NOT NULL, name TEXT NOT NULL,"
                + " code TEXT NOT NULL, sha256 TEXT NOT NULL, md5 TEXT NOT NULL, modified TEXT NOT NULL, lines INTEGER NOT NULL,"
                + " signature TEXT NOT NULL, params TEXT NOT NULL, docstring TEXT NOT NULL, error TEXT NOT NULL";
        // id links a head to its row in the search index (the FTS rowid); an explicit INTEGER PRIMARY KEY never changes
        s.execute("CREATE TABLE IF NOT EXISTS functions(id INTEGER PRIMARY KEY, " + cols + ", scanned_at TEXT NOT NULL, UNIQUE (key))");
        s.execute("CREATE INDEX IF NOT EXISTS functions_space ON functions(space, branch)");
        s.execute("CREATE TABLE IF NOT EXISTS versions(" + cols + ", created_at TEXT NOT NULL, PRIMARY KEY (key, sha256))");
        s.execute(
            "CREATE TABLE IF NOT EXISTS aliases(key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, published_at TEXT NOT NULL,"
                + " FOREIGN KEY (key, sha256) REFERENCES versions(key, sha256))");
        s.execute(
            "CREATE TABLE IF NOT EXISTS history(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, sha256 TEXT NOT NULL,"
                + " published_at TEXT NOT NULL, FOREIGN KEY (key, sha256) REFERENCES versions(key, sha256))");
        s.execute("CREATE INDEX IF NOT EXISTS history_key ON history(key, seq)");
        s.execute("CREATE VIRTUAL TABLE IF NOT EXISTS functions_fts USING fts5(name, docstring, code, tokenize = 'unicode61')");
        // rank = bm25 with names weighing most, then docstrings, then code
        s.execute("INSERT INTO functions_fts(functions_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)')");
        // per-word document counts, to leave out words that nearly every function has
        s.execute("CREATE VIRTUAL TABLE IF NOT EXISTS functions_vocab USING fts5vocab(functions_fts, row)");
      }
      return new SqliteCatalog(c, file);
    } catch (SQLException e) {
      throw new IOException("could not open the catalog " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  void unindex(List<String> keys) throws SQLException {
    try (PreparedStatement del = connection.prepareStatement("DELETE FROM functions_fts WHERE rowid = (SELECT id FROM functions WHERE key = ?)")) {
      for (String k : keys) {
        del.setString(1, k);
        del.addBatch();
      }
      del.executeBatch();
    }
  }

  @Override
  void index(List<FunctionRecord> heads) throws SQLException {
    try (PreparedStatement ins =
        connection.prepareStatement("INSERT INTO functions_fts(rowid, name, docstring, code) VALUES ((SELECT id FROM functions WHERE key = ?), ?, ?, ?)")) {
      for (FunctionRecord f : heads) {
        ins.setString(1, f.key());
        ins.setString(2, SearchText.index(f.packageName() + " " + f.name()));
        ins.setString(3, SearchText.index(f.docstring()));
        ins.setString(4, SearchText.index(f.code()));
        ins.addBatch();
      }
      ins.executeBatch();
    }
  }

  @Override
  List<SearchHit> searchQuery(List<List<String>> allTerms, int limit) throws SQLException {
    // Words found in more than half of all functions (value, json, return …) weigh almost nothing in bm25 but make
    // it score every row; like stop words they are left out when the query has other words.
    List<List<String>> terms = new ArrayList<>();
    long total = count("SELECT max(id) FROM functions"); // O(1), and close enough for "more than half"
    for (List<String> t : allTerms) {
      if (t.size() > 1 || count("SELECT doc FROM functions_vocab WHERE term = '" + t.get(0) + "'") * 2 <= total) {
        terms.add(t);
      }
    }
    if (terms.isEmpty() || (SearchText.prefixLast(allTerms) && !terms.contains(allTerms.get(allTerms.size() - 1)))) {
      terms = allTerms;
    }
    // Any word may match (OR), the last one as a prefix (search as you type); bm25 ranks documents matching more
    // and rarer words first. The ranked, limited rowids are found in the index alone, then joined.
    String match =
        terms.stream()
            .map(t -> t.size() == 1 ? quote(t.get(0)) : t.stream().map(SqliteCatalog::quote).collect(Collectors.joining(" + ")))
            .collect(Collectors.joining(" OR "));
    if (SearchText.prefixLast(terms)) {
      match = match + "*";
    }
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT f.key, f.package, f.name, f.signature, f.docstring, f.sha256, m.r FROM"
                + " (SELECT rowid AS id, rank AS r FROM functions_fts WHERE functions_fts MATCH ? ORDER BY rank LIMIT ?) m"
                + " JOIN functions f ON f.id = m.id ORDER BY m.r")) {
      q.setString(1, match);
      q.setInt(2, limit);
      List<SearchHit> out = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          String doc = rs.getString(5).strip();
          int nl = doc.indexOf('\n');
          out.add(
              new SearchHit(
                  rs.getString(1),
                  rs.getString(2) + "." + rs.getString(3),
                  rs.getString(4),
                  nl < 0 ? doc : doc.substring(0, nl),
                  rs.getString(6),
                  -rs.getDouble(7)));
        }
      }
      return out;
    }
  }

  /** A single number from {@code sql}; words are letters and digits only (SearchText), safe inside quotes. */
  private long count(String sql) throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static String quote(String word) {
    return "\"" + word.replace("\"", "\"\"") + "\"";
  }

  @Override
  public String location() {
    return file.toString();
  }
}
