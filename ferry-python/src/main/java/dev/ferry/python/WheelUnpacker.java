package dev.ferry.python;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import dev.ferry.oci.layer.LayerEntry;

/**
 * Installs verified wheels into an image layer's entries, the way PEP 427 says an installer
 * spreads a wheel: the root into purelib or platlib, {@code NAME.data/{scripts,headers,data,purelib,platlib}} into
 * their scheme directories, {@code #!python} scripts re-pointed at the image's interpreter, launchers for
 * {@code console_scripts} and {@code gui_scripts}, and a rewritten {@code RECORD} plus {@code INSTALLER} and
 * {@code direct_url.json} in the {@code .dist-info} directory. The result is a list of layer entries (in memory, large
 * members spilled to files), not a directory: nothing is written below an image root. Two wheels writing the same
 * file is an error. Not thread-safe: one instance per layer.
 */
public final class WheelUnpacker {
  private static final Pattern ENTRY_POINT = Pattern.compile("([\\w.]+)\\s*(?::\\s*([\\w.]+))?\\s*(\\[.*\\])?");
  private static final String INSTALLER = "ferry";

  /** Members up to this size are kept in memory; larger ones are spilled to a file in the spill directory. */
  static final int IN_MEMORY = 8 << 20;

  private final InstallLayout layout;
  private final Path spill;
  /** Image path (without the leading '/') → layer entry; the TreeMap keeps them in path order. */
  private final TreeMap<String, LayerEntry> files = new TreeMap<>();
  /** Image path → wheel that wrote it, to refuse overlaps. */
  private final Map<String, String> owners = new HashMap<>();
  private final byte[] buffer = new byte[1 << 16];

  /** What one wheel put where. */
  public record Installed(String project, String version, String wheel, String distInfo, List<String> files,
      List<String> scripts) {
    public Installed {
      files = List.copyOf(files);
      scripts = List.copyOf(scripts);
    }
  }

  /**
   * An unpacker that collects the files of every wheel it installs as layer entries.
   *
   * @param spill directory for members too large to keep in memory (left for the caller to delete)
   */
  public WheelUnpacker(InstallLayout layout, Path spill) {
    this.layout = layout;
    this.spill = spill;
  }

  /** Every installed file plus a directory entry (0755, root) for each parent, in path order. */
  public List<LayerEntry> entries() {
    TreeMap<String, LayerEntry> all = new TreeMap<>(files);
    for (String p : files.keySet()) {
      for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
        all.putIfAbsent(p.substring(0, i + 1), LayerEntry.directory(p.substring(0, i + 1)));
      }
    }
    return new ArrayList<>(all.values());
  }

  /** The content installed at an image path ({@code /usr/...}), if any; for checks and tests. */
  public Optional<byte[]> content(String imagePath) throws IOException {
    LayerEntry e = files.get(imagePath.substring(1));
    if (e == null) {
      return Optional.empty();
    }
    Path f = spillFile(imagePath.substring(1));
    return Optional.of(Files.exists(f) ? Files.readAllBytes(f) : bytes.get(imagePath.substring(1)));
  }

  /** Whether the file at an image path is executable. */
  public boolean executable(String imagePath) {
    LayerEntry e = files.get(imagePath.substring(1));
    return e != null && (e.mode() & 0111) != 0;
  }

  private final Map<String, byte[]> bytes = new HashMap<>();
  /** Wheel file name → its RECORD's image path and entries, so bytecode added later can be recorded too. */
  private final Map<String, Map.Entry<String, List<RecordEntry>>> records = new HashMap<>();

  /** Whether an image path is a file this unpacker installed. */
  public boolean installs(String imagePath) {
    return files.containsKey(imagePath.substring(1));
  }

  /**
   * Adds a compiled {@code .pyc} for an installed module and lists it in the owning wheel's RECORD (as pip does).
   *
   * @throws IllegalArgumentException when the path is not in a {@code __pycache__} beside an installed module
   */
  public void addBytecode(String imagePath, byte[] pyc) throws IOException {
    Path p = Path.of(imagePath);
    String name = p.getFileName().toString();
    String source = p.getParent().getParent().resolve(name.substring(0, name.indexOf('.')) + ".py").toString();
    String fn = owners.get(source);
    if (fn == null || !p.getParent().getFileName().toString().equals("__pycache__")) {
      throw new IllegalArgumentException("bytecode " + imagePath + " belongs to no installed module");
    }
    Map.Entry<String, List<RecordEntry>> rec = records.get(fn);
    String distInfoPath = rec.getKey().substring(0, rec.getKey().length() - "/RECORD".length());
    String rel = target(fn, imagePath);
    claim(fn, imagePath);
    bytes.put(rel, pyc);
    files.put(rel, LayerEntry.file(rel, pyc).withMode(0644));
    rec.getValue().add(new RecordEntry(relative(distInfoPath, imagePath),
        Optional.of(RecordEntry.sha256(RecordEntry.sha256().digest(pyc))), Optional.of((long) pyc.length)));
    byte[] record = recordBytes(rec.getValue());
    String recordRel = rec.getKey().substring(1);
    bytes.put(recordRel, record);
    files.put(recordRel, LayerEntry.file(recordRel, record).withMode(0644));
  }

  private static byte[] recordBytes(List<RecordEntry> record) {
    StringBuilder sb = new StringBuilder();
    record.stream().map(RecordEntry::toLine).sorted().forEach(l -> sb.append(l).append('\n'));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Writes every installed file below {@code root} (an unpacked image), for running tools over them. */
  public void materialize(Path root) throws IOException {
    for (Map.Entry<String, LayerEntry> e : files.entrySet()) {
      Path out = root.resolve(e.getKey());
      Files.createDirectories(out.getParent());
      Path spilled = spillFile(e.getKey());
      if (bytes.containsKey(e.getKey())) {
        Files.write(out, bytes.get(e.getKey()));
      } else {
        Files.copy(spilled, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString(
          (e.getValue().mode() & 0111) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
    }
  }

  private Path spillFile(String rel) {
    return spill.resolve(Integer.toHexString(rel.hashCode()) + "-" + rel.length());
  }

  /**
   * Spreads {@code wheel} into this unpacker's entries.
   *
   * @param sourceUrl where the wheel came from, for {@code direct_url.json} (credentials are stripped)
   */
  public Installed install(Wheel wheel, String sourceUrl, String sha256Hex) throws IOException {
    String fn = wheel.filename().filename();
    Map<String, Integer> modes = wheel.unixModes();
    String libDir = wheel.rootIsPurelib() ? layout.purelib() : layout.platlib();
    String distInfoPath = libDir + "/" + wheel.distInfo();
    List<RecordEntry> record = new ArrayList<>();
    List<String> installed = new ArrayList<>();
    List<String> scripts = new ArrayList<>();
    String dataPrefix = wheel.dataDir() + "/";
    String recordPath = wheel.distInfo() + "/RECORD";
    for (ZipEntry e : wheel.members()) {
      String p = e.getName();
      if (p.equals(recordPath) || p.equals(recordPath + ".jws") || p.equals(recordPath + ".p7s")) {
        continue;
      }
      String dest;
      boolean script = false;
      if (p.startsWith(dataPrefix)) {
        String rest = p.substring(dataPrefix.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
          throw new WheelException(fn + ": " + p + " is not inside a known .data directory");
        }
        String key = rest.substring(0, slash);
        String sub = rest.substring(slash + 1);
        dest = switch (key) {
          case "purelib" -> layout.purelib() + "/" + sub;
          case "platlib" -> layout.platlib() + "/" + sub;
          case "scripts" -> layout.scripts() + "/" + sub;
          case "headers" -> layout.headers() + "/" + wheel.metadata().name() + "/" + sub;
          case "data" -> layout.data() + "/" + sub;
          default -> throw new WheelException(fn + ": unknown .data directory '" + key + "' in " + p);
        };
        script = key.equals("scripts");
      } else {
        dest = libDir + "/" + p;
      }
      Integer zipMode = modes.get(p);
      boolean exec = script || zipMode != null && (zipMode & 0111) != 0;
      RecordEntry r;
      Optional<byte[]> kept = wheel.keptContents(p);
      Optional<String> hash = wheel.verifiedHash(p).filter(h -> h.startsWith("sha256="));
      if (!script && kept.isPresent() && hash.isPresent()) {
        // verified at open against RECORD's sha256: the installed file's hash is that one, no second pass
        r = put(fn, dest, kept.get(), exec, distInfoPath, hash.get());
      } else {
        try (InputStream in = wheel.open(e)) {
          r = script ? writeScript(fn, dest, in, distInfoPath) : write(fn, dest, in, e.getSize(), exec, distInfoPath);
        }
      }
      record.add(r);
      installed.add(dest);
      if (script) {
        scripts.add(dest);
      }
    }
    for (String group : List.of("console_scripts", "gui_scripts")) {
      for (Map.Entry<String, String> ep : wheel.entryPoints(group).entrySet()) {
        String name = ep.getKey();
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
          throw new WheelException(fn + ": entry point name '" + name + "' is not a file name");
        }
        String dest = layout.scripts() + "/" + name;
        byte[] launcher = launcher(fn, ep.getValue());
        record.add(writeBytes(fn, dest, launcher, true, distInfoPath));
        installed.add(dest);
        scripts.add(dest);
      }
    }
    record.add(writeBytes(fn, distInfoPath + "/INSTALLER", (INSTALLER + "\n").getBytes(StandardCharsets.UTF_8), false,
        distInfoPath));
    installed.add(distInfoPath + "/INSTALLER");
    String directUrl = "{\"archive_info\": {\"hash\": \"sha256=" + sha256Hex + "\", \"hashes\": {\"sha256\": \""
        + sha256Hex + "\"}}, \"url\": \"" + json(stripCredentials(sourceUrl)) + "\"}\n";
    record.add(writeBytes(fn, distInfoPath + "/direct_url.json", directUrl.getBytes(StandardCharsets.UTF_8), false,
        distInfoPath));
    installed.add(distInfoPath + "/direct_url.json");
    String recordDest = distInfoPath + "/RECORD";
    record.add(new RecordEntry(relative(distInfoPath, recordDest), Optional.empty(), Optional.empty()));
    writeBytes(fn, recordDest, recordBytes(record), false, distInfoPath);
    records.put(fn, Map.entry(recordDest, record));
    installed.add(recordDest);
    return new Installed(wheel.filename().project(), wheel.metadata().version(), fn, distInfoPath, installed, scripts);
  }

  /** A plain file; its RECORD path is relative to the directory holding the .dist-info directory. */
  private RecordEntry write(String fn, String dest, InputStream in, long size, boolean exec, String distInfoPath)
      throws IOException {
    String rel = target(fn, dest);
    claim(fn, dest);
    MessageDigest md = RecordEntry.sha256();
    long n = 0;
    if (size >= 0 && size <= IN_MEMORY) {
      byte[] b = in.readNBytes(IN_MEMORY + 1);
      if (b.length > IN_MEMORY) {
        throw new WheelException(fn + ": " + dest + " is larger than its zip entry says");
      }
      md.update(b);
      n = b.length;
      bytes.put(rel, b);
      files.put(rel, LayerEntry.file(rel, b).withMode(exec ? 0755 : 0644));
    } else {
      Files.createDirectories(spill);
      Path f = spillFile(rel);
      try (OutputStream o = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        int k;
        while ((k = in.read(buffer)) > 0) {
          md.update(buffer, 0, k);
          o.write(buffer, 0, k);
          n += k;
        }
      }
      files.put(rel, LayerEntry.file(rel, f).withMode(exec ? 0755 : 0644));
    }
    return new RecordEntry(relative(distInfoPath, dest), Optional.of(RecordEntry.sha256(md.digest())), Optional.of(n));
  }

  /** A script from {@code .data/scripts}: {@code #!python} and {@code #!pythonw} become the image's interpreter. */
  private RecordEntry writeScript(String fn, String dest, InputStream in, String distInfoPath) throws IOException {
    byte[] all = in.readAllBytes();
    int nl = 0;
    while (nl < all.length && all[nl] != '\n') {
      nl++;
    }
    String first = new String(all, 0, nl, StandardCharsets.UTF_8).stripTrailing();
    if (first.equals("#!python") || first.equals("#!pythonw") || first.startsWith("#!python ")
        || first.startsWith("#!pythonw ")) {
      String args = first.contains(" ") ? first.substring(first.indexOf(' ')) : "";
      ByteArrayOutputStream b = new ByteArrayOutputStream(all.length + 32);
      b.writeBytes(("#!" + layout.interpreter() + args).getBytes(StandardCharsets.UTF_8));
      b.write(all, nl, all.length - nl);
      all = b.toByteArray();
    }
    return writeBytes(fn, dest, all, true, distInfoPath);
  }

  private RecordEntry writeBytes(String fn, String dest, byte[] content, boolean exec, String distInfoPath)
      throws IOException {
    return put(fn, dest, content, exec, distInfoPath, RecordEntry.sha256(RecordEntry.sha256().digest(content)));
  }

  /** In-memory content whose RECORD hash ({@code sha256=…}) is already known. */
  private RecordEntry put(String fn, String dest, byte[] content, boolean exec, String distInfoPath, String hash)
      throws IOException {
    String rel = target(fn, dest);
    claim(fn, dest);
    bytes.put(rel, content);
    files.put(rel, LayerEntry.file(rel, content).withMode(exec ? 0755 : 0644));
    return new RecordEntry(relative(distInfoPath, dest), Optional.of(hash), Optional.of((long) content.length));
  }

  /** A launcher script: imports the entry point's object and exits with what it returns. */
  private byte[] launcher(String fn, String spec) throws WheelException {
    var m = ENTRY_POINT.matcher(spec.strip());
    if (!m.matches()) {
      throw new WheelException(fn + ": entry point '" + spec + "' is not module[:attr]");
    }
    String module = m.group(1);
    String attr = m.group(2);
    StringBuilder sb = new StringBuilder();
    sb.append("#!").append(layout.interpreter()).append('\n');
    sb.append("# Launcher written by Ferry for the entry point ").append(spec.strip()).append('\n');
    sb.append("import sys\n");
    if (attr == null) {
      sb.append("import ").append(module).append(" as _target\n");
      sb.append("if __name__ == \"__main__\":\n    sys.exit(_target.main())\n");
    } else {
      String top = attr.contains(".") ? attr.substring(0, attr.indexOf('.')) : attr;
      sb.append("from ").append(module).append(" import ").append(top).append('\n');
      sb.append("if __name__ == \"__main__\":\n");
      sb.append("    if sys.argv and sys.argv[0].endswith(\"-script.py\"):\n");
      sb.append("        sys.argv[0] = sys.argv[0][: -len(\"-script.py\")]\n");
      sb.append("    sys.exit(").append(attr).append("())\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void claim(String fn, String dest) throws WheelException {
    String prev = owners.putIfAbsent(dest, fn);
    if (prev != null) {
      throw new WheelException(fn + " and " + prev + " both install " + dest + "; remove one of them from the wheelhouse");
    }
  }

  /** The layer path (no leading '/') of an image path; refuses anything that is not a plain absolute path. */
  private String target(String fn, String imagePath) throws IOException {
    String rel = imagePath.substring(1);
    Wheel.checkPath(fn, rel);
    if (rel.endsWith("/") || rel.contains("//") || rel.contains("/./") || rel.startsWith("./")) {
      throw new WheelException(fn + ": " + imagePath + " is not a plain file path; refusing the wheel");
    }
    return rel;
  }

  /** {@code path} relative to the directory that holds the .dist-info directory, as RECORD writes it. */
  static String relative(String distInfoPath, String path) {
    Path base = Path.of(distInfoPath).getParent();
    return base.relativize(Path.of(path)).toString();
  }

  /** A URL without {@code user:password@}: credentials never land in an image. */
  public static String stripCredentials(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return url;
    }
    int hostStart = scheme + 3;
    int slash = url.indexOf('/', hostStart);
    int at = url.lastIndexOf('@', slash < 0 ? url.length() : slash);
    return at >= hostStart ? url.substring(0, hostStart) + url.substring(at + 1) : url;
  }

  private static String json(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }
}
