package dev.ferry.build.debian;

import dev.ferry.build.Emulation;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a Debian root filesystem with {@code mmdebstrap} from a package mirror, reproducibly: the same suite,
 * packages, mirror content and {@code SOURCE_DATE_EPOCH} give the same files, owners, modes and contents.
 *
 * <p>What makes it reproducible: {@code SOURCE_DATE_EPOCH} is set for mmdebstrap (from the environment, else the
 * {@code Date:} of the suite's {@code InRelease}, which changes only when the suite's content does); mmdebstrap's
 * own {@code cleanup/reproducible} step removes logs, {@code ldconfig/aux-cache} and empties {@code machine-id}; the
 * apt lists and cache are removed by its {@code cleanup/apt} step; and a customize hook here removes the build
 * host's {@code /etc/resolv.conf} and {@code /etc/hostname} (mmdebstrap copies them in; container runtimes mount
 * their own).
 *
 * <p>Downloaded {@code .deb} files are kept in a cache directory per suite and architecture and synchronised into
 * and out of the chroot's {@code /var/cache/apt/archives} with mmdebstrap's {@code sync-in}/{@code sync-out} hooks,
 * so a second build downloads only the (small) package lists.
 */
public final class DebianBootstrap {
  /** mmdebstrap's variants (see its man page). */
  public static final Set<String> VARIANTS =
      Set.of(
          "extract", "custom", "essential", "apt", "required", "minbase", "buildd", "important", "debootstrap",
          "standard");

  public static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final Pattern SUITE = Pattern.compile("[a-z0-9][a-z0-9.+_-]*");
  private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]*([:=/][A-Za-z0-9+.~:_-]+)*");
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9][a-z0-9/_.-]*");

  /** What to bootstrap; validated on construction ({@link IllegalArgumentException} quoting the bad value). */
  public record Request(
      String suite,
      List<String> packages,
      String mirror,
      String variant,
      List<String> components,
      Optional<Path> keyring,
      String debianArch) {
    public Request {
      Objects.requireNonNull(suite, "suite");
      if (!SUITE.matcher(suite).matches()) {
        throw new IllegalArgumentException("not a Debian suite name: '" + suite + "' (e.g. bookworm, trixie, stable)");
      }
      packages = List.copyOf(packages);
      for (String p : packages) {
        if (!PACKAGE.matcher(p).matches()) {
          throw new IllegalArgumentException("not a Debian package name: '" + p + "'");
        }
      }
      mirror = checkMirror(mirror);
      if (!VARIANTS.contains(variant)) {
        throw new IllegalArgumentException(
            "unknown variant '" + variant + "'; one of " + String.join(", ", VARIANTS.stream().sorted().toList()));
      }
      components = List.copyOf(components);
      if (components.isEmpty()) {
        throw new IllegalArgumentException("at least one component is needed (e.g. main)");
      }
      for (String c : components) {
        if (!COMPONENT.matcher(c).matches()) {
          throw new IllegalArgumentException("not a Debian archive component: '" + c + "'");
        }
      }
      Objects.requireNonNull(keyring, "keyring");
      Objects.requireNonNull(debianArch, "debianArch");
    }
  }

  private final Path mmdebstrap;
  private final Path cacheRoot;
  private final Consumer<String> log;

  /**
   * @param mmdebstrap the program
   * @param cacheRoot where {@code <suite>-<arch>/} caches of {@code .deb} files are kept
   * @param log receives mmdebstrap's progress lines ({@code I: ...})
   */
  public DebianBootstrap(Path mmdebstrap, Path cacheRoot, Consumer<String> log) {
    this.mmdebstrap = Objects.requireNonNull(mmdebstrap, "mmdebstrap");
    this.cacheRoot = Objects.requireNonNull(cacheRoot, "cacheRoot");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** {@code mmdebstrap} on PATH (or in /usr/sbin, /sbin), if installed. */
  public static Optional<Path> findMmdebstrap(Map<String, String> env) {
    String path = env.getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, "mmdebstrap");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The cache of {@code .deb} files: {@code $XDG_CACHE_HOME/ferry/debian}, else {@code ~/.cache/ferry/debian}. */
  public static Path defaultCacheRoot(Map<String, String> env) {
    String xdg = env.get("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("ferry").resolve("debian");
  }

  /**
   * The package mirror this machine's apt uses: the first {@code URIs:} of {@code etc/apt/sources.list.d/*.sources}
   * (deb822, files in name order), else the first {@code deb} line of {@code sources.list} or
   * {@code sources.list.d/*.list}, else {@link #DEFAULT_MIRROR}.
   *
   * @param etcApt normally {@code /etc/apt}
   */
  public static String detectMirror(Path etcApt) {
    Path dir = etcApt.resolve("sources.list.d");
    List<Path> sources = list(dir, ".sources");
    for (Path f : sources) {
      Optional<String> m = firstDeb822Uri(read(f));
      if (m.isPresent()) {
        return m.get();
      }
    }
    List<Path> lists = new ArrayList<>();
    lists.add(etcApt.resolve("sources.list"));
    lists.addAll(list(dir, ".list"));
    for (Path f : lists) {
      Optional<String> m = firstDebLine(read(f));
      if (m.isPresent()) {
        return m.get();
      }
    }
    return DEFAULT_MIRROR;
  }

  static Optional<String> firstDeb822Uri(String text) {
    // Stanzas are separated by blank lines; take the first one whose Types include deb and that is not disabled.
    for (String stanza : text.split("\\n\\s*\\n")) {
      String types = null;
      String uris = null;
      boolean enabled = true;
      for (String line : stanza.split("\\n")) {
        String l = line.strip();
        if (l.startsWith("#")) {
          continue;
        }
        int colon = l.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String key = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = l.substring(colon + 1).trim();
        switch (key) {
          case "types" -> types = value;
          case "uris" -> uris = value;
          case "enabled" -> enabled = !value.equalsIgnoreCase("no");
          default -> {}
        }
      }
      if (enabled && uris != null && !uris.isBlank() && (types == null || List.of(types.split("\\s+")).contains("deb"))) {
        return Optional.of(trimSlash(uris.split("\\s+")[0]));
      }
    }
    return Optional.empty();
  }

  static Optional<String> firstDebLine(String text) {
    for (String line : text.split("\\n")) {
      String l = line.strip();
      if (!l.startsWith("deb ") && !l.startsWith("deb\t")) {
        continue;
      }
      String rest = l.substring(3).strip();
      if (rest.startsWith("[")) { // options: deb [arch=amd64 signed-by=...] URI suite ...
        int close = rest.indexOf(']');
        if (close < 0) {
          continue;
        }
        rest = rest.substring(close + 1).strip();
      }
      if (!rest.isEmpty()) {
        return Optional.of(trimSlash(rest.split("\\s+")[0]));
      }
    }
    return Optional.empty();
  }

  private static String trimSlash(String uri) {
    return uri.endsWith("/") && uri.length() > 1 ? uri.substring(0, uri.length() - 1) : uri;
  }

  private static List<Path> list(Path dir, String suffix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String checkMirror(String mirror) {
    Objects.requireNonNull(mirror, "mirror");
    URI u;
    try {
      u = new URI(mirror);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a mirror URL: '" + mirror + "'");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!Set.of("http", "https", "file").contains(scheme) || u.getPath() == null) {
      throw new IllegalArgumentException("the mirror must be an http://, https:// or file:// URL, got '" + mirror + "'");
    }
    return trimSlash(mirror);
  }

  /**
   * The Debian architecture name of an OCI platform (amd64, arm64, armhf, ...).
   *
   * @throws IllegalArgumentException for a platform Debian has no port for
   */
  public static String debianArch(Platform p) {
    if (!p.os().equals("linux")) {
      throw new IllegalArgumentException("Debian images are linux images, not " + p.os() + " (" + p + ")");
    }
    String v = p.variant();
    return switch (p.architecture()) {
      case "amd64" -> "amd64";
      case "arm64" -> "arm64";
      case "386" -> "i386";
      case "arm" -> v.equals("v7") || v.isEmpty() ? "armhf" : v.equals("v5") || v.equals("v6") ? "armel" : unsupported(p);
      case "ppc64le" -> "ppc64el";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      case "mips64le" -> "mips64el";
      default -> unsupported(p);
    };
  }

  private static String unsupported(Platform p) {
    throw new IllegalArgumentException(
        "no Debian port for platform " + p + "; use linux/amd64, linux/arm64, linux/arm/v7, linux/arm/v5, linux/386,"
            + " linux/ppc64le, linux/s390x, linux/riscv64 or linux/mips64le");
  }

  /** The OCI platform of a Debian architecture name (the reverse of {@link #debianArch}). */
  static Platform platformOf(String debianArch) {
    return Platform.parse("linux/" + switch (debianArch) {
      case "i386" -> "386";
      case "armhf" -> "arm/v7";
      case "armel" -> "arm/v5";
      case "ppc64el" -> "ppc64le";
      case "mips64el" -> "mips64le";
      default -> debianArch;
    });
  }

  /**
   * Checks that this machine can run programs of {@code debianArch} (mmdebstrap runs maintainer scripts inside
   * the chroot): the host's own architecture, its 32-bit sibling, or a registered {@code binfmt_misc} QEMU handler.
   *
   * @throws IOException naming what to install or run otherwise
   */
  public static void checkCanRun(String debianArch, String hostDebianArch, Path binfmtMisc) throws IOException {
    Emulation.check(platformOf(debianArch), platformOf(hostDebianArch), "building " + debianArch + " packages",
        binfmtMisc);
  }

  /**
   * The reproducible time of a bootstrap: {@code SOURCE_DATE_EPOCH} when set, else the {@code Date:} of the
   * mirror's {@code dists/SUITE/InRelease} (or {@code Release}).
   *
   * @throws IllegalArgumentException when the mirror has no such suite
   * @throws IOException when the mirror cannot be read
   */
  public static Instant epoch(Map<String, String> env, String mirror, String suite) throws IOException {
    String sde = env.get("SOURCE_DATE_EPOCH");
    if (sde != null && !sde.isBlank()) {
      try {
        long s = Long.parseLong(sde.trim());
        if (s >= 0) {
          return Instant.ofEpochSecond(s);
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException("SOURCE_DATE_EPOCH must be a non-negative number of seconds, got '" + sde + "'");
    }
    String base = mirror + "/dists/" + suite + "/";
    String text = fetch(base + "InRelease").or(() -> uncheckedFetch(base + "Release")).orElse(null);
    if (text == null) {
      throw new IllegalArgumentException("the mirror " + mirror + " has no suite '" + suite + "' (no " + base + "InRelease)");
    }
    return releaseDate(text)
        .orElseThrow(() -> new IOException(base + "InRelease has no valid Date: field; set SOURCE_DATE_EPOCH"));
  }

  private static Optional<String> uncheckedFetch(String url) {
    try {
      return fetch(url);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The text at {@code url}, or empty when the server says 404 / the file does not exist. */
  private static Optional<String> fetch(String url) throws IOException {
    URI u = URI.create(url);
    if (u.getScheme().equalsIgnoreCase("file")) {
      try {
        return Optional.of(Files.readString(Path.of(u), StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
    }
    HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build();
    try {
      HttpResponse<InputStream> r =
          client.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() == 404 || r.statusCode() == 410) {
          return Optional.empty();
        }
        if (r.statusCode() != 200) {
          throw new IOException("cannot read " + url + ": HTTP " + r.statusCode());
        }
        return Optional.of(new String(in.readNBytes(16 << 20), StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted reading " + url);
    } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
      throw new IOException("cannot reach the mirror at " + url + " (" + describe(e) + ")", e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("cannot read ")) {
        throw e;
      }
      throw new IOException("cannot read " + url + " (" + describe(e) + ")", e);
    } finally {
      client.close();
    }
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** The {@code Date:} field of a Release file (RFC 2822, e.g. {@code Sat, 10 Jan 2026 10:49:19 UTC}). */
  static Optional<Instant> releaseDate(String release) {
    for (String line : release.split("\\n")) {
      if (line.startsWith("Date:")) {
        String v = line.substring(5).trim().replace(" UTC", " GMT");
        try {
          return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** The mmdebstrap command line for {@code request}, writing the root filesystem into the directory {@code out}. */
  List<String> command(Request request, Path out, Path cache) {
    List<String> c = new ArrayList<>();
    c.add(mmdebstrap.toString());
    c.add("--variant=" + request.variant());
    c.add("--architectures=" + request.debianArch());
    c.add("--format=directory");
    c.add("--components=" + String.join(",", request.components()));
    if (!request.packages().isEmpty()) {
      c.add("--include=" + String.join(",", request.packages()));
    }
    request.keyring().ifPresent(k -> c.add("--keyring=" + k.toAbsolutePath()));
    // Keep the cached .debs that sync-in put into the chroot (essential/unlink would delete them before sync-out).
    c.add("--skip=essential/unlink");
    c.add("--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/");
    c.add("--setup-hook=sync-in " + cache + " /var/cache/apt/archives/");
    c.add("--customize-hook=sync-out /var/cache/apt/archives " + cache);
    // The build host's resolver and name do not belong in an image (runtimes mount their own).
    c.add("--customize-hook=rm -f \"$1\"/etc/resolv.conf \"$1\"/etc/hostname");
    c.add(request.suite());
    c.add(out.toString());
    c.add(request.mirror());
    return c;
  }

  /**
   * Runs mmdebstrap as root and writes the root filesystem into {@code out} (a missing or empty directory), then
   * empties its {@code /dev} (mmdebstrap creates device nodes there; container runtimes provide their own).
   *
   * <p>A directory rather than mmdebstrap's tarball because commons-compress reads PAX {@code SCHILY.xattr} values
   * as UTF-8 text, which would corrupt binary {@code security.capability} values; from a directory the layer
   * writer reads them with {@code getfattr}.
   *
   * @throws IllegalArgumentException when the mirror has no such suite
   * @throws IOException with mmdebstrap's first error line when it fails
   */
  public void run(Request request, Instant epoch, Path out, Path tmpDir) throws IOException, InterruptedException {
    Path cache = cacheRoot.resolve(request.suite() + "-" + request.debianArch());
    Files.createDirectories(cache);
    List<String> command = command(request, out, cache);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("SOURCE_DATE_EPOCH", Long.toString(epoch.getEpochSecond()));
    pb.environment().put("TMPDIR", tmpDir.toString());
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().remove("LANGUAGE");
    Process p = pb.start();
    String firstError = null;
    List<String> tail = new ArrayList<>();
    try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("E: ") && firstError == null) {
          firstError = line.substring(3).strip();
        }
        if (line.startsWith("I: ") || line.startsWith("W: ")) { // errors: summed up in the exception
          log.accept(line);
        }
        tail.add(line);
        if (tail.size() > 20) {
          tail.remove(0);
        }
      }
    } finally {
      if (p.isAlive()) {
        p.destroy();
      }
    }
    int rc = p.waitFor();
    if (rc != 0) {
      String why = firstError != null ? firstError : tail.isEmpty() ? "no output" : tail.get(tail.size() - 1);
      if (why.contains("does not have a Release file")) {
        throw new IllegalArgumentException("mmdebstrap: " + why);
      }
      throw new IOException("mmdebstrap failed (exit " + rc + "): " + why);
    }
    Path dev = out.resolve("dev");
    if (!Files.isDirectory(out.resolve("usr")) || !Files.isDirectory(dev, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("mmdebstrap exited 0 but left no root filesystem in " + out);
    }
    try (Stream<Path> s = Files.list(dev)) {
      for (Path node : s.toList()) {
        deleteTree(node, Files.getAttribute(out, "unix:dev"));
      }
    }
  }

  /**
   * Deletes {@code p} and, when it is a real directory, everything below it on the same file system: never follows
   * links and never descends into a mount point (a {@code /proc} or {@code /dev} that an interrupted mmdebstrap left
   * mounted), which then makes the deletion fail instead of emptying the host's.
   */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    deleteTree(p, Files.getAttribute(p, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  private static void deleteTree(Path p, Object dev) throws IOException {
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (!dev.equals(Files.getAttribute(p, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
        throw new IOException("not deleting " + p + ": something is mounted there (umount it first)");
      }
      try (Stream<Path> s = Files.list(p)) {
        for (Path c : s.toList()) {
          deleteTree(c, dev);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
