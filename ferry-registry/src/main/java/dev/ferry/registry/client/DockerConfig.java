package dev.ferry.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Reference;
import dev.ferry.registry.client.internal.json.RegistryJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The Docker CLI's credentials file, {@code config.json} in {@code $DOCKER_CONFIG} or {@code ~/.docker}: reads
 * credentials for a registry ({@code credHelpers}, then {@code auths}, then {@code credsStore}) and writes
 * {@code auths} entries for login and logout. Immutable handle; each call reads the file afresh. Thread-safe;
 * concurrent logins from several processes are last-writer-wins, as with the Docker CLI.
 *
 * <p>Credential helpers are run as {@code docker-credential-NAME get} with the server URL on stdin and JSON on
 * stdout, found on the search path given at {@link #open(Path, String)} ({@code $PATH} by default). Secrets are
 * never logged nor put into exception messages.
 *
 * @see <a href="https://github.com/docker/docker-credential-helpers">docker-credential-helpers</a>
 */
public final class DockerConfig {
  /** The key the Docker CLI uses for Docker Hub in {@code auths} and for helpers. */
  public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
  /** Helpers that do not answer in this time are killed; a keychain prompt should not hang a pull forever. */
  private static final long HELPER_TIMEOUT_SECONDS = 60;

  private final Path file;
  private final String searchPath;

  private DockerConfig(Path file, String searchPath) {
    this.file = file;
    this.searchPath = searchPath;
  }

  /** The file the Docker CLI uses: {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
  public static DockerConfig fromEnvironment() {
    String dir = System.getenv("DOCKER_CONFIG");
    Path base =
        dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".docker");
    return open(base.resolve("config.json"));
  }

  /** A config file at {@code file} (which need not exist), with helpers found on {@code $PATH}. */
  public static DockerConfig open(Path file) {
    return open(file, System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
  }

  /** A config file with helpers found on {@code searchPath} (directories separated by {@code :}). */
  public static DockerConfig open(Path file, String searchPath) {
    return new DockerConfig(file.toAbsolutePath(), searchPath);
  }

  public Path file() {
    return file;
  }

  /** The file as people write it: {@code ~/.docker/config.json} when under the home directory. */
  public String displayName() {
    Path home = Path.of(System.getProperty("user.home")).toAbsolutePath();
    return file.startsWith(home) ? "~/" + home.relativize(file) : file.toString();
  }

  /**
   * Credentials for {@code registry} (as in references: {@code docker.io}, {@code 127.0.0.1:5000}), if the file
   * or a helper it names has some.
   *
   * @throws IOException when the file is not valid JSON or a helper fails other than with "not found"
   */
  public Optional<Credentials> lookup(String registry) throws IOException {
    Optional<ObjectNode> root = read();
    if (root.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode n = root.get();
    JsonNode helpers = n.get("credHelpers");
    if (helpers != null && helpers.isObject()) {
      for (Iterator<String> it = helpers.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (normalizeKey(key).equals(registry)) {
          return runHelper(helpers.get(key).asText(), serverUrl(registry), "credHelpers");
        }
      }
    }
    JsonNode auths = n.get("auths");
    if (auths != null && auths.isObject()) {
      for (Iterator<String> it = auths.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (normalizeKey(key).equals(registry)) {
          Optional<Credentials> c = fromAuthEntry(auths.get(key), registry);
          if (c.isPresent()) {
            return c;
          }
        }
      }
    }
    String store = RegistryJson.text(n, "credsStore");
    if (!store.isEmpty()) {
      return runHelper(store, serverUrl(registry), "credsStore");
    }
    return Optional.empty();
  }

  private Optional<Credentials> fromAuthEntry(JsonNode e, String registry) throws IOException {
    if (e == null || !e.isObject()) {
      return Optional.empty();
    }
    String source = displayName();
    String identity = RegistryJson.text(e, "identitytoken");
    if (!identity.isEmpty()) {
      return Optional.of(Credentials.identityToken(identity, source));
    }
    String auth = RegistryJson.text(e, "auth");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException bad) {
        throw new IOException("the 'auth' entry for " + registry + " in " + source + " is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new IOException("the 'auth' entry for " + registry + " in " + source + " is not base64 of USER:PASSWORD");
      }
      return Optional.of(Credentials.basic(decoded.substring(0, colon), decoded.substring(colon + 1), source));
    }
    String user = RegistryJson.text(e, "username");
    String password = RegistryJson.text(e, "password");
    if (!user.isEmpty()) {
      return Optional.of(Credentials.basic(user, password, source));
    }
    return Optional.empty();
  }

  private Optional<Credentials> runHelper(String name, String serverUrl, String field) throws IOException {
    String program = "docker-credential-" + name;
    String source = program + " (" + field + " in " + displayName() + ")";
    Path exe = findOnPath(program)
        .orElseThrow(
            () ->
                new IOException(
                    displayName() + " names credential helper '" + name + "' in " + field + " but " + program
                        + " is not on the PATH"));
    Process p = new ProcessBuilder(exe.toString(), "get").redirectErrorStream(false).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out;
    byte[] err;
    try {
      // Answers are tiny; reading before waiting cannot deadlock on a full pipe.
      out = p.getInputStream().readNBytes(1 << 20);
      err = p.getErrorStream().readNBytes(1 << 16);
      if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(program + " did not answer within " + HELPER_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + program, e);
    }
    if (p.exitValue() != 0) {
      String said = (new String(out, StandardCharsets.UTF_8) + new String(err, StandardCharsets.UTF_8)).strip();
      // The helpers' protocol: this exact message means "no credentials stored", which is not an error.
      if (said.contains("credentials not found")) {
        return Optional.empty();
      }
      throw new IOException(program + " get failed (exit " + p.exitValue() + ") for " + serverUrl);
    }
    ObjectNode n = RegistryJson.parseObject(out, "the answer of " + program);
    String user = RegistryJson.text(n, "Username");
    String secret = RegistryJson.text(n, "Secret");
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    if (user.equals("<token>")) {
      return Optional.of(Credentials.identityToken(secret, source));
    }
    return Optional.of(Credentials.basic(user, secret, source));
  }

  private Optional<Path> findOnPath(String program) {
    for (String dir : searchPath.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Stores {@code credentials} for {@code registry} in {@code auths} (base64 {@code auth}, or
   * {@code identitytoken}), keeping everything else in the file. Written atomically with mode 0600.
   */
  public void login(String registry, Credentials credentials) throws IOException {
    ObjectNode root = read().orElseGet(RegistryJson::object);
    JsonNode existing = root.get("auths");
    ObjectNode auths = existing != null && existing.isObject() ? (ObjectNode) existing : root.putObject("auths");
    removeKeys(auths, registry);
    ObjectNode entry = auths.putObject(serverUrl(registry));
    if (credentials.identityToken()) {
      entry.put("identitytoken", credentials.secret());
    } else {
      String pair = credentials.username() + ":" + credentials.secret();
      entry.put("auth", Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
    write(root);
  }

  /** Removes the {@code auths} entry of {@code registry}; false when there was none. */
  public boolean logout(String registry) throws IOException {
    Optional<ObjectNode> root = read();
    if (root.isEmpty() || !(root.get().get("auths") instanceof ObjectNode auths)) {
      return false;
    }
    if (!removeKeys(auths, registry)) {
      return false;
    }
    write(root.get());
    return true;
  }

  private static boolean removeKeys(ObjectNode auths, String registry) {
    List<String> keys = new ArrayList<>();
    auths.fieldNames().forEachRemaining(k -> {
      if (normalizeKey(k).equals(registry)) {
        keys.add(k);
      }
    });
    keys.forEach(auths::remove);
    return !keys.isEmpty();
  }

  private Optional<ObjectNode> read() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (bytes.length == 0) {
      return Optional.empty();
    }
    return Optional.of(RegistryJson.parseObject(bytes, displayName()));
  }

  private void write(ObjectNode root) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(RegistryJson.prettyBytes(root)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The key or helper server URL the Docker CLI uses for a registry. */
  static String serverUrl(String registry) {
    return registry.equals(Reference.DEFAULT_REGISTRY) ? DOCKER_HUB_KEY : registry;
  }

  /** A key of {@code auths} or {@code credHelpers} as a registry host: scheme and path dropped, Hub aliases mapped. */
  static String normalizeKey(String key) {
    String k = key.trim().replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
    int slash = k.indexOf('/');
    if (slash >= 0) {
      k = k.substring(0, slash);
    }
    if (k.equals("index.docker.io") || k.equals("registry-1.docker.io") || k.equals("docker.io")) {
      return Reference.DEFAULT_REGISTRY;
    }
    return k;
  }
}
