package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Postgres;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The catalog contract against a real PostgreSQL server started by the project's script. */
class PostgresCatalogIT extends CatalogContract {
  static Postgres server;

  @BeforeAll
  static void startServer() throws Exception {
    server = Postgres.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Override
  Catalog open() throws Exception {
    return Catalog.open(server.url());
  }

  @Test
  void location_hidesThePassword_andParamsAreJsonb() throws Exception {
    assertThat(catalog.location()).startsWith("postgresql://postgres@127.0.0.1:").doesNotContain(server.url().split("[:@]")[2]);
    catalog.publish(List.of(fn("Base", "master", "f", "def f(x=None): pass\n", "")));
    try (var c = java.sql.DriverManager.getConnection("jdbc:" + server.url().replaceFirst("//postgres:([^@]*)@", "//") + "?user=postgres&password=" + server.url().split("[:@]")[2]);
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT params->0->>'name', pg_typeof(params)::text FROM versions WHERE key = '" + space + ".Base_master.f'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("x");
      assertThat(rs.getString(2)).isEqualTo("jsonb");
    }
  }
}
