package dev.ferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real Python package index on 127.0.0.1 for tests: a static PEP 503 tree ({@code simple/PROJECT/index.html} with
 * {@code #sha256=} links, plus PEP 691 {@code index.json}) generated from files, served by {@code python3}'s
 * {@code http.server} (with optional Basic auth). Close it to stop the server. Not thread-safe.
 */
public final class SimpleIndexServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path root;

  private SimpleIndexServer(Process process, int port, Path root) {
    this.process = process;
    this.port = port;
    this.root = root;
  }

  /**
   * Builds the tree in {@code root} from {@code files} (wheels and sdists) and starts serving it.
   *
   * @param auth {@code user:password} to require, or null
   * @param json whether to answer PEP 691 JSON to clients that ask for it
   */
  public static SimpleIndexServer start(Path root, List<Path> files, String auth, boolean json)
      throws IOException, InterruptedException {
    generate(root, files);
    Path script = root.resolve("simple_index.py");
    try (InputStream in = SimpleIndexServer.class.getResourceAsStream("simple_index.py")) {
      Files.copy(in, script);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of(Peers.require("python3").toString(), script.toString(),
        root.toString(), String.valueOf(port)));
    if (auth != null) {
      cmd.add("--auth");
      cmd.add(auth);
    }
    if (!json) {
      cmd.add("--no-json");
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(root.resolve("server.log").toFile()).start();
    for (int i = 0; i < 200; i++) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return new SimpleIndexServer(p, port, root);
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IOException("simple index server exited: " + Files.readString(root.resolve("server.log")));
        }
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new IOException("simple index server did not start on port " + port);
  }

  /** Writes {@code files/} and {@code simple/} for the given files. */
  public static void generate(Path root, List<Path> files) throws IOException {
    Path dist = Files.createDirectories(root.resolve("files"));
    Map<String, List<String[]>> byProject = new TreeMap<>();
    for (Path f : files) {
      String fn = f.getFileName().toString();
      Files.copy(f, dist.resolve(fn), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      String name = fn.endsWith(".whl") ? fn.substring(0, fn.indexOf('-')) : fn.substring(0, fn.lastIndexOf('-'));
      String project = name.replaceAll("[-_.]+", "-").toLowerCase(Locale.ROOT);
      byProject.computeIfAbsent(project, k -> new ArrayList<>()).add(new String[] {fn, sha256(f)});
    }
    Path simple = Files.createDirectories(root.resolve("simple"));
    StringBuilder top = new StringBuilder("<!DOCTYPE html>\n<html><body>\n");
    for (Map.Entry<String, List<String[]>> e : byProject.entrySet()) {
      top.append("<a href=\"").append(e.getKey()).append("/\">").append(e.getKey()).append("</a>\n");
      Path dir = Files.createDirectories(simple.resolve(e.getKey()));
      StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><body>\n");
      StringBuilder js = new StringBuilder("{\"meta\": {\"api-version\": \"1.0\"}, \"name\": \"" + e.getKey() + "\", \"files\": [");
      boolean first = true;
      for (String[] f : e.getValue()) {
        html.append("<a href=\"../../files/").append(f[0]).append("#sha256=").append(f[1]).append("\">")
            .append(f[0]).append("</a><br/>\n");
        js.append(first ? "" : ", ").append("{\"filename\": \"").append(f[0]).append("\", \"url\": \"../../files/")
            .append(f[0]).append("\", \"hashes\": {\"sha256\": \"").append(f[1]).append("\"}}");
        first = false;
      }
      Files.writeString(dir.resolve("index.html"), html.append("</body></html>\n").toString());
      Files.writeString(dir.resolve("index.json"), js.append("]}\n").toString());
    }
    Files.writeString(simple.resolve("index.html"), top.append("</body></html>\n").toString());
  }

  public static String sha256(Path f) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(f)) {
        byte[] b = new byte[1 << 16];
        int n;
        while ((n = in.read(b)) > 0) {
          md.update(b, 0, n);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code http://127.0.0.1:PORT/simple/}, with {@code user:password@} when given. */
  public String url(String credentials) {
    return "http://" + (credentials == null ? "" : credentials + "@") + "127.0.0.1:" + port + "/simple/";
  }

  public Path root() {
    return root;
  }

  /** The paths requested so far (index pages and files), in arrival order. */
  public List<String> requests() throws IOException {
    Path log = root.resolve("requests.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** Replaces a served file's bytes (to test hash mismatches) without touching the index pages. */
  public void replaceFile(String filename, byte[] bytes) throws IOException {
    Files.write(root.resolve("files").resolve(filename), bytes);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
