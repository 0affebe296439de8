package dev.ferry.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A private PostgreSQL server for one test class, started on 127.0.0.1 by the project's
 * {@code scripts/services/pg-up.sh} in its own directory and on a free port, and stopped (directory deleted) by
 * {@link #close()}. Skips the test where PostgreSQL cannot be had, fails under CI (see {@link Peers#required()}).
 */
public final class Postgres implements AutoCloseable {
  private final Path scripts;
  private final Path base;
  private final String url;

  private Postgres(Path scripts, Path base, String url) {
    this.scripts = scripts;
    this.base = base;
    this.url = url;
  }

  /** Starts a server; {@link #url()} is {@code postgresql://postgres:PASSWORD@127.0.0.1:PORT/ferry}. */
  public static Postgres start() throws IOException, InterruptedException {
    Path scripts = findScripts();
    boolean installed = Files.isDirectory(Path.of("/usr/lib/postgresql"));
    if (!installed && !Peers.isRoot()) {
      abort("PostgreSQL is not installed (apt-get install postgresql)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // not a JUnit @TempDir: the server runs as the postgres user, which must reach its directory
    Path base = Path.of("/tmp", "ferry-pg-" + UUID.randomUUID().toString().substring(0, 8));
    String password = UUID.randomUUID().toString().replace("-", "");
    Processes.Result r =
        Processes.run(
            List.of(scripts.resolve("pg-up.sh").toString()),
            null,
            Map.of("PG_BASE", base.toString(), "PG_PORT", Integer.toString(port), "PG_DB", "ferry", "PG_PASSWORD", password),
            180);
    if (r.exitCode() != 0) {
      abort("pg-up.sh failed: " + r.stderr().strip());
    }
    String[] lines = r.stdout().strip().split("\n");
    return new Postgres(scripts, base, lines[lines.length - 1].strip());
  }

  private static void abort(String why) {
    if (Peers.required()) {
      throw new AssertionError(why);
    }
    org.junit.jupiter.api.Assumptions.abort(why);
  }

  private static Path findScripts() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path s = d.resolve("scripts/services/pg-up.sh");
      if (Files.isRegularFile(s)) {
        return s.getParent();
      }
    }
    throw new IllegalStateException("scripts/services/pg-up.sh not found above " + Path.of("").toAbsolutePath());
  }

  /** The server's URL, with the password. */
  public String url() {
    return url;
  }

  @Override
  public void close() throws IOException {
    try {
      Processes.run(List.of(scripts.resolve("pg-down.sh").toString()), null, Map.of("PG_BASE", base.toString(), "PG_WIPE", "1"), 120);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
