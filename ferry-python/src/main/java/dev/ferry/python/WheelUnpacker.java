package dev.ferry.python;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;

/**
 * Installs verified wheels into a directory that stands for an image's root, the way PEP 427 says an installer
 * spreads a wheel: the root into purelib or platlib, {@code NAME.data/{scripts,headers,data,purelib,platlib}} into
 * their scheme directories, {@code #!python} scripts re-pointed at the image's interpreter, launchers for
 * {@code console_scripts} and {@code gui_scripts}, and a rewritten {@code RECORD} plus {@code INSTALLER} and
 * {@code direct_url.json} in the {@code .dist-info} directory. Two wheels writing the same file is an error. Not
 * thread-safe: one instance per target root.
 */
public final class WheelUnpacker {
  private static final Pattern ENTRY_POINT = Pattern.compile("([\\w.]+)\\s*(?::\\s*([\\w.]+))?\\s*(\\[.*\\])?");
  private static final String INSTALLER = "ferry";

  private final Path root;
  private final InstallLayout layout;
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

  public WheelUnpacker(Path root, InstallLayout layout) {
    this.root = root;
    this.layout = layout;
  }

  /**
   * Spreads {@code wheel} below the root.
   *
   * @param sourceUrl where the wheel came from, for {@code direct_url.json} (credentials are stripped)
   */
  public Installed install(Wheel wheel, String sourceUrl, String sha256Hex) throws IOException {
    String fn = wheel.filename().filename();
    Map<String, Integer> modes = unixModes(wheel);
    String libDir = wheel.rootIsPurelib() ? layout.purelib() : layout.platlib();
    String distInfoPath = libDir + "/" + wheel.distInfo();
    List<RecordEntry> record = new ArrayList<>();
    List<String> files = new ArrayList<>();
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
      try (InputStream in = wheel.open(e)) {
        r = script ? writeScript(fn, dest, in, distInfoPath) : write(fn, dest, in, exec, distInfoPath);
      }
      record.add(r);
      files.add(dest);
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
        files.add(dest);
        scripts.add(dest);
      }
    }
    record.add(writeBytes(fn, distInfoPath + "/INSTALLER", (INSTALLER + "\n").getBytes(StandardCharsets.UTF_8), false,
        distInfoPath));
    files.add(distInfoPath + "/INSTALLER");
    String directUrl = "{\"archive_info\": {\"hash\": \"sha256=" + sha256Hex + "\", \"hashes\": {\"sha256\": \""
        + sha256Hex + "\"}}, \"url\": \"" + json(stripCredentials(sourceUrl)) + "\"}\n";
    record.add(writeBytes(fn, distInfoPath + "/direct_url.json", directUrl.getBytes(StandardCharsets.UTF_8), false,
        distInfoPath));
    files.add(distInfoPath + "/direct_url.json");
    String recordDest = distInfoPath + "/RECORD";
    record.add(new RecordEntry(relative(distInfoPath, recordDest), Optional.empty(), Optional.empty()));
    StringBuilder sb = new StringBuilder();
    record.stream().map(RecordEntry::toLine).sorted().forEach(l -> sb.append(l).append('\n'));
    claim(fn, recordDest);
    Path out = target(fn, recordDest);
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb.toString(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    setMode(out, false);
    files.add(recordDest);
    return new Installed(wheel.filename().project(), wheel.metadata().version(), fn, distInfoPath, files, scripts);
  }

  /** A plain file; its RECORD path is relative to the directory holding the .dist-info directory. */
  private RecordEntry write(String fn, String dest, InputStream in, boolean exec, String distInfoPath)
      throws IOException {
    claim(fn, dest);
    Path out = target(fn, dest);
    Files.createDirectories(out.getParent());
    MessageDigest md = RecordEntry.sha256();
    long n = 0;
    try (OutputStream o = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      int k;
      while ((k = in.read(buffer)) > 0) {
        md.update(buffer, 0, k);
        o.write(buffer, 0, k);
        n += k;
      }
    }
    setMode(out, exec);
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

  private RecordEntry writeBytes(String fn, String dest, byte[] bytes, boolean exec, String distInfoPath)
      throws IOException {
    claim(fn, dest);
    Path out = target(fn, dest);
    Files.createDirectories(out.getParent());
    Files.write(out, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    setMode(out, exec);
    MessageDigest md = RecordEntry.sha256();
    return new RecordEntry(relative(distInfoPath, dest), Optional.of(RecordEntry.sha256(md.digest(bytes))),
        Optional.of((long) bytes.length));
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

  /** The file below the root for an image path; refuses anything that would leave the root or follow a link. */
  private Path target(String fn, String imagePath) throws IOException {
    String rel = imagePath.substring(1);
    Wheel.checkPath(fn, rel);
    Path out = root.resolve(rel).normalize();
    if (!out.startsWith(root)) {
      throw new WheelException(fn + ": " + imagePath + " escapes the install root; refusing the wheel");
    }
    for (Path p = out.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
      if (Files.isSymbolicLink(p)) {
        throw new WheelException(fn + ": " + imagePath + " would be written through a symbolic link");
      }
    }
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(out.toString());
    }
    return out;
  }

  private static void setMode(Path p, boolean exec) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
  }

  /** {@code path} relative to the directory that holds the .dist-info directory, as RECORD writes it. */
  static String relative(String distInfoPath, String path) {
    Path base = Path.of(distInfoPath).getParent();
    return base.relativize(Path.of(path)).toString();
  }

  private static Map<String, Integer> unixModes(Wheel wheel) throws IOException {
    Map<String, Integer> out = new HashMap<>();
    try (org.apache.commons.compress.archivers.zip.ZipFile z =
        org.apache.commons.compress.archivers.zip.ZipFile.builder().setPath(wheel.file()).get()) {
      var en = z.getEntries();
      while (en.hasMoreElements()) {
        ZipArchiveEntry e = en.nextElement();
        if (e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX) {
          out.put(e.getName(), e.getUnixMode());
        }
      }
    }
    return out;
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
