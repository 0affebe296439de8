package dev.ferry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real CNCF distribution registry (Debian's {@code docker-registry}, distribution 2.8) on 127.0.0.1, plain HTTP,
 * deletes enabled, optionally with htpasswd (bcrypt) basic auth. Starts in {@link #start}, stops and removes its
 * data in {@link #close}. Thread-safe once started.
 *
 * <p>Skips the calling test (or fails it under CI) when {@code docker-registry} — or {@code htpasswd} for an
 * authenticated registry — is not installed; {@code scripts/install-prereqs.sh} installs both.
 */
public final class DistributionRegistry implements AutoCloseable {
  /** distribution starts in ~50 ms here; 20 s leaves room for a loaded CI machine. */
  private static final long START_TIMEOUT_MS = 20_000;

  private final Path dir;
  private final int port;
  private final Process process;
  private final String username;
  private final String password;

  private DistributionRegistry(Path dir, int port, Process process, String username, String password) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.username = username;
    this.password = password;
  }

  /** Starts a registry without authentication. */
  public static DistributionRegistry start() throws IOException {
    return start(null, null);
  }

  /** Starts a registry that requires basic auth as {@code username}/{@code password} (both null: no auth). */
  public static DistributionRegistry start(String username, String password) throws IOException {
    return start(username, password, null, null);
  }

  /**
   * Starts a registry without authentication that serves HTTPS only, with the PEM certificate and key given (the
   * certificate must name 127.0.0.1). Plain HTTP to its port gets Go's "400 Bad Request" for an HTTPS server.
   */
  public static DistributionRegistry startTls(Path certificate, Path key) throws IOException {
    return start(null, null, certificate, key);
  }

  private static DistributionRegistry start(String username, String password, Path certificate, Path key)
      throws IOException {
    Path binary = Peers.require("docker-registry");
    Path dir = Files.createTempDirectory("ferry-distribution");
    int port = freePort();
    StringBuilder config = new StringBuilder();
    config.append("version: 0.1\n");
    config.append("log:\n  level: warn\n  accesslog:\n    disabled: true\n");
    config.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n');
    config.append("  delete:\n    enabled: true\n  cache:\n    blobdescriptor: inmemory\n");
    config.append("http:\n  addr: 127.0.0.1:").append(port).append("\n  secret: ferry-test-secret\n");
    if (certificate != null) {
      config.append("  tls:\n    certificate: ").append(certificate).append("\n    key: ").append(key).append('\n');
    }
    if (username != null) {
      Path htpasswd = dir.resolve("htpasswd");
      Files.writeString(htpasswd, htpasswdLine(username, password));
      config.append("auth:\n  htpasswd:\n    realm: ferry-test\n    path: ").append(htpasswd).append('\n');
    }
    Path configFile = dir.resolve("config.yml");
    Files.writeString(configFile, config);
    Process p =
        new ProcessBuilder(binary.toString(), "serve", configFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    DistributionRegistry r = new DistributionRegistry(dir, port, p, username, password);
    try {
      r.awaitUp();
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  private static String htpasswdLine(String username, String password) throws IOException {
    Path htpasswd = Peers.require("htpasswd");
    try {
      // -B bcrypt (the only scheme distribution accepts), -b password from the command line, -n print only.
      return Processes.run(htpasswd.toString(), "-Bbn", username, password).ok().stdout().strip() + "\n";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running htpasswd", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitUp() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited " + process.exitValue() + ": " + log());
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url() + "/v2/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(1000);
        int status = c.getResponseCode();
        c.disconnect();
        // 400: plain HTTP to the TLS port of a registry started with startTls, which is up.
        if (status == 200 || status == 401 || status == 400) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for docker-registry", e);
      }
    }
    throw new IOException("docker-registry did not answer on " + url() + " within " + START_TIMEOUT_MS + " ms: " + log());
  }

  /** {@code 127.0.0.1:PORT}, the registry part of references to this registry. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} (the port of a {@link #startTls} registry speaks HTTPS only). */
  public String url() {
    return "http://" + host();
  }

  /** The basic-auth user, or null without auth. */
  public String username() {
    return username;
  }

  /** The basic-auth password, or null without auth. */
  public String password() {
    return password;
  }

  /** The registry's storage root (distribution's {@code rootdirectory}). */
  public Path dataDir() {
    return dir.resolve("data");
  }

  /** What the registry logged so far. */
  public String log() {
    try {
      return Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
