package dev.ferry.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pinned lock: every package with one exact version and the SHA-256 hashes its files may have. Read from a
 * {@code requirements.txt} with {@code ==} pins and {@code --hash=sha256:} options (as {@code pip-compile
 * --generate-hashes} and {@code uv pip compile --generate-hashes} write it) or from a PEP 751 {@code pylock.toml}.
 * Environment markers are kept; {@link WheelhouseBuilder} evaluates them per target ({@link Markers}). Immutable.
 */
public record Lock(Path source, List<Package> packages) {
  private static final Pattern REQ =
      Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(\\[[^\\]]*\\])?\\s*(===?|>=|<=|~=|!=|<|>)?\\s*([^\\s;]*)\\s*(?:;\\s*(.*))?");
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  /** One locked package. {@code files}: files a {@code pylock.toml} names explicitly (empty for requirements). */
  public record Package(String name, String version, Set<String> sha256, List<LockedFile> files, Optional<String> marker) {
    public Package {
      sha256 = Set.copyOf(sha256);
      files = List.copyOf(files);
    }

    public String project() {
      return Names.normalize(name);
    }
  }

  /** A file a pylock.toml names: file name, optional URL, SHA-256. */
  public record LockedFile(String filename, Optional<String> url, String sha256) {}

  public Lock {
    packages = List.copyOf(packages);
  }

  /** Reads {@code pylock.toml} / {@code pylock.NAME.toml} as PEP 751, anything else as a requirements file. */
  public static Lock read(Path file) throws IOException {
    String fn = file.getFileName().toString();
    if (fn.endsWith(".toml")) {
      return readPylock(file);
    }
    return readRequirements(file);
  }

  /** Parses a requirements file; every requirement must be {@code name==version} with at least one sha256 hash. */
  public static Lock readRequirements(Path file) throws IOException {
    String text = Files.readString(file);
    List<String> logical = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    List<Integer> lineNos = new ArrayList<>();
    int n = 0;
    int start = 1;
    for (String raw : text.split("\r?\n", -1)) {
      n++;
      String line = raw;
      if (cur.isEmpty()) {
        start = n;
      }
      if (line.endsWith("\\")) {
        cur.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      cur.append(line);
      logical.add(cur.toString());
      lineNos.add(start);
      cur.setLength(0);
    }
    Map<String, Package> out = new LinkedHashMap<>();
    for (int i = 0; i < logical.size(); i++) {
      String line = stripComment(logical.get(i)).strip();
      String where = file.getFileName() + ":" + lineNos.get(i);
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("-")) {
        // --index-url, --extra-index-url, --find-links, -c ...: sources come from the command line
        if (line.startsWith("-r") || line.startsWith("--requirement") || line.startsWith("-e")
            || line.startsWith("--editable")) {
          throw new WheelException(where + ": " + line.split("\\s+")[0] + " is not supported in a lock; flatten it");
        }
        continue;
      }
      List<String> hashes = new ArrayList<>();
      Matcher hm = Pattern.compile("--hash[=\\s]+(\\S+)").matcher(line);
      while (hm.find()) {
        hashes.add(hm.group(1));
      }
      String req = line.replaceAll("--hash[=\\s]+\\S+", "").strip();
      if (req.contains("://") || req.contains(" @ ")) {
        throw new WheelException(where + ": direct URL requirements are not supported; pin name==version from an index");
      }
      Matcher m = REQ.matcher(req);
      if (!m.matches()) {
        throw new WheelException(where + ": cannot read requirement '" + req + "'");
      }
      if (!"==".equals(m.group(3)) && !"===".equals(m.group(3)) || m.group(4).isEmpty() || m.group(4).contains("*")) {
        throw new WheelException(where + ": " + m.group(1) + " is not pinned with ==; a lock needs exact versions"
            + " (pip-compile --generate-hashes writes them)");
      }
      Set<String> sha = new LinkedHashSet<>();
      for (String h : hashes) {
        if (!h.startsWith("sha256:") || !HEX64.matcher(h.substring(7).toLowerCase(Locale.ROOT)).matches()) {
          throw new WheelException(where + ": hash '" + h + "' of " + m.group(1) + " is not sha256:<64 hex digits>");
        }
        sha.add(h.substring(7).toLowerCase(Locale.ROOT));
      }
      if (sha.isEmpty()) {
        throw new WheelException(where + ": " + m.group(1) + "==" + m.group(4)
            + " has no --hash=sha256:...; lock with hashes (pip-compile --generate-hashes)");
      }
      add(out, new Package(m.group(1), m.group(4), sha, List.of(), Optional.ofNullable(m.group(5))), where);
    }
    return new Lock(file, new ArrayList<>(out.values()));
  }

  private static String stripComment(String line) {
    int i = line.indexOf('#');
    while (i >= 0) {
      if (i == 0 || Character.isWhitespace(line.charAt(i - 1))) {
        return line.substring(0, i);
      }
      i = line.indexOf('#', i + 1);
    }
    return line;
  }

  private static void add(Map<String, Package> out, Package p, String where) throws WheelException {
    Package prev = out.get(p.project());
    if (prev != null) {
      if (!Names.sameVersion(prev.version(), p.version())) {
        throw new WheelException(where + ": " + p.name() + " is locked twice (" + prev.version() + " and " + p.version()
            + "); one version per package and lock file");
      }
      Set<String> sha = new LinkedHashSet<>(prev.sha256());
      sha.addAll(p.sha256());
      List<LockedFile> files = new ArrayList<>(prev.files());
      files.addAll(p.files());
      out.put(p.project(), new Package(prev.name(), prev.version(), sha, files, prev.marker()));
      return;
    }
    out.put(p.project(), p);
  }

  /**
   * Parses a PEP 751 lock: {@code lock-version} 1.x, {@code [[packages]]} with {@code name}, {@code version} and
   * {@code wheels} (each with {@code name} or {@code url}/{@code path}, and {@code hashes.sha256}).
   *
   * @see <a href="https://packaging.python.org/en/latest/specifications/pylock-toml/">pylock.toml</a>
   */
  public static Lock readPylock(Path file) throws IOException {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new WheelException(file.getFileName() + ": not valid TOML (" + firstLine(e.getMessage()) + ")", e);
    }
    String fn = file.getFileName().toString();
    String lv = root.path("lock-version").asText("");
    if (!lv.matches("1(\\.\\d+)?")) {
      throw new WheelException(fn + ": lock-version '" + lv + "' is not supported (Ferry reads 1.x)");
    }
    Map<String, Package> out = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode p : root.path("packages")) {
      i++;
      String where = fn + " packages[" + i + "]";
      String name = p.path("name").asText("");
      String version = p.path("version").asText("");
      if (name.isEmpty()) {
        throw new WheelException(where + ": no name");
      }
      if (version.isEmpty()) {
        throw new WheelException(where + " (" + name + "): no version; Ferry needs pinned versions");
      }
      if (p.has("vcs") || p.has("directory") || p.has("archive")) {
        throw new WheelException(where + " (" + name + "): only wheels from indexes or URLs are supported");
      }
      Set<String> sha = new LinkedHashSet<>();
      List<LockedFile> files = new ArrayList<>();
      for (JsonNode w : p.path("wheels")) {
        String h = w.path("hashes").path("sha256").asText("").toLowerCase(Locale.ROOT);
        if (!HEX64.matcher(h).matches()) {
          throw new WheelException(where + " (" + name + "): a wheel without a sha256 hash");
        }
        Optional<String> url = w.hasNonNull("url") ? Optional.of(w.get("url").asText()) : Optional.empty();
        String wname = w.path("name").asText("");
        if (wname.isEmpty() && url.isPresent()) {
          String u = url.get();
          wname = u.substring(u.lastIndexOf('/') + 1).replaceAll("[#?].*", "");
        }
        if (wname.isEmpty()) {
          throw new WheelException(where + " (" + name + "): a wheel without name or url");
        }
        sha.add(h);
        files.add(new LockedFile(wname, url, h));
      }
      JsonNode sdist = p.path("sdist");
      if (files.isEmpty()) {
        throw new WheelException(where + " (" + name + " " + version + "): no wheels locked"
            + (sdist.isMissingNode() ? "" : " (only an sdist)") + "; Ferry installs wheels only");
      }
      Optional<String> marker = p.hasNonNull("marker") ? Optional.of(p.get("marker").asText()) : Optional.empty();
      add(out, new Package(name, version, sha, files, marker), where);
    }
    if (out.isEmpty()) {
      throw new WheelException(fn + ": no [[packages]]");
    }
    return new Lock(file, new ArrayList<>(out.values()));
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
