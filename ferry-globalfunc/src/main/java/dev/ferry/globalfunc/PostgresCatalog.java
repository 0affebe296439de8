package dev.ferry.globalfunc;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The shared catalog on PostgreSQL: the same tables as SQLite, parameters as {@code jsonb}, and a weighted
 * {@code tsvector} per head (name A, docstring B, code D) under a GIN index for ranked search. Thread-safe.
 */
final class PostgresCatalog extends JdbcCatalog {
  private final String location;

  private PostgresCatalog(Connection connection, String location) {
    super(connection);
    this.location = location;
  }

  /** Opens {@code postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DB} (or a {@code jdbc:postgresql:} URL). */
  static PostgresCatalog open(String url) throws IOException {
    Properties props = new Properties();
    String jdbc;
    String shown;
    if (url.startsWith("jdbc:")) {
      jdbc = url;
      shown = url.replaceAll("password=[^&]*", "password=***");
    } else {
      URI u = URI.create(url);
      if (u.getHost() == null) {
        throw new IllegalArgumentException("a PostgreSQL catalog is postgresql://USER@HOST:PORT/DB, got " + url.replaceAll(":[^:@/]*@", ":***@"));
      }
      if (u.getUserInfo() != null) {
        String[] ui = u.getUserInfo().split(":", 2);
        props.setProperty("user", URLDecoder.decode(ui[0], StandardCharsets.UTF_8));
        if (ui.length == 2) {
          props.setProperty("password", URLDecoder.decode(ui[1], StandardCharsets.UTF_8));
        }
      }
      String hostPort = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
      jdbc = "jdbc:postgresql://" + hostPort + u.getRawPath() + (u.getRawQuery() != null ? "?" + u.getRawQuery() : "");
      shown = "postgresql://" + (props.containsKey("user") ? props.getProperty("user") + "@" : "") + hostPort + u.getRawPath();
    }
    try {
      Connection c = DriverManager.getConnection(jdbc, props);
      try (Statement s = c.createStatement()) {
        String cols =
            "key text NOT NULL, space text NOT NULL, package text NOT NULL, branch text NOT NULL, name text NOT NULL,"
                + " code text NOT NULL, sha256 text NOT NULL, md5 text NOT NULL, modified text NOT NULL, lines integer NOT NULL,"
                + " signature text NOT NULL, params jsonb NOT NULL, docstring text NOT NULL, error text NOT NULL";
        // Two processes creating the tables at once would race on the catalog tables; an advisory lock orders them.
        s.execute("SELECT pg_advisory_lock(7007001)");
        try {
          s.execute("CREATE TABLE IF NOT EXISTS functions(" + cols + ", scanned_at text NOT NULL, search tsvector, PRIMARY KEY (key))");
          s.execute("CREATE INDEX IF NOT EXISTS functions_space ON functions(space, branch)");
          s.execute("CREATE INDEX IF NOT EXISTS functions_search ON functions USING gin(search)");
          s.execute("CREATE TABLE IF NOT EXISTS versions(" + cols + ", created_at text NOT NULL, PRIMARY KEY (key, sha256))");
          s.execute(
              "CREATE TABLE IF NOT EXISTS aliases(key text PRIMARY KEY, sha256 text NOT NULL, published_at text NOT NULL,"
                  + " FOREIGN KEY (key, sha256) REFERENCES versions(key, sha256))");
          s.execute(
              "CREATE TABLE IF NOT EXISTS history(seq bigserial PRIMARY KEY, key text NOT NULL, sha256 text NOT NULL,"
                  + " published_at text NOT NULL, FOREIGN KEY (key, sha256) REFERENCES versions(key, sha256))");
          s.execute("CREATE INDEX IF NOT EXISTS history_key ON history(key, seq)");
        } finally {
          s.execute("SELECT pg_advisory_unlock(7007001)");
        }
      }
      return new PostgresCatalog(c, shown);
    } catch (SQLException e) {
      throw new IOException("could not open the catalog " + shown + ": " + e.getMessage(), e);
    }
  }

  @Override
  String paramsPlaceholder() {
    return "?::jsonb";
  }

  @Override
  void index(List<FunctionRecord> heads) throws SQLException {
    try (PreparedStatement up =
        connection.prepareStatement(
            "UPDATE functions SET search = setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B')"
                + " || setweight(to_tsvector('simple', ?), 'D') WHERE key = ?")) {
      for (FunctionRecord f : heads) {
        up.setString(1, SearchText.index(f.packageName() + " " + f.name()));
        up.setString(2, SearchText.index(f.docstring()));
        up.setString(3, SearchText.index(f.code()));
        up.setString(4, f.key());
        up.addBatch();
      }
      up.executeBatch();
    }
  }

  @Override
  List<SearchHit> searchQuery(List<List<String>> terms, int limit) throws SQLException {
    // Words are letters and digits only (SearchText), so they need no escaping inside the tsquery.
    String query =
        terms.stream()
            .map(t -> t.size() == 1 ? "'" + t.get(0) + "'" : "(" + t.stream().map(w -> "'" + w + "'").collect(Collectors.joining(" <-> ")) + ")")
            .collect(Collectors.joining(" | "));
    if (SearchText.prefixLast(terms)) {
      // the last word is matched as a prefix (search as you type)
      query = query + ":*";
    }
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT f.key, f.package, f.name, f.signature, f.docstring, f.sha256, ts_rank(f.search, q, 1) AS r"
                + " FROM functions f, to_tsquery('simple', ?) q WHERE f.search @@ q ORDER BY r DESC, f.key LIMIT ?")) {
      q.setString(1, query);
      q.setInt(2, limit);
      List<SearchHit> out = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          String doc = rs.getString(5).strip();
          int nl = doc.indexOf('\n');
          out.add(
              new SearchHit(
                  rs.getString(1), rs.getString(2) + "." + rs.getString(3), rs.getString(4), nl < 0 ? doc : doc.substring(0, nl), rs.getString(6), rs.getDouble(7)));
        }
      }
      return out;
    }
  }

  @Override
  public String location() {
    return location;
  }
}
