package dev.ferry.python;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * An opened and checked wheel file (PEP 427): its name, {@code WHEEL}, {@code METADATA}, {@code RECORD} and entry
 * points. {@link #open} verifies the archive before anything is returned: every member is a safe relative path,
 * {@code Wheel-Version} is 1.x, and {@code RECORD} lists exactly the members with matching SHA-256 hashes and sizes.
 * Holds the zip open until {@link #close()}; not thread-safe.
 */
public final class Wheel implements AutoCloseable {
  /** Members bigger than this are refused: a zip bomb guard far above any real wheel member (torch's is ~1 GB). */
  static final long MAX_MEMBER = 8L << 30;
  /** With {@code keepContents}: members up to this size are kept from verification for the installer. */
  static final int KEEP_MEMBER = 8 << 20;
  /** With {@code keepContents}: at most this many bytes of one wheel are kept; later members are read again. */
  static final long KEEP_TOTAL = 256L << 20;

  private final Path file;
  private final ZipFile zip;
  private final WheelFilename name;
  private final String distInfo;
  private final String dataDir;
  private final Map<String, String> wheel;
  private final Metadata metadata;
  private final List<RecordEntry> record;
  private final List<ZipEntry> members;
  /** Member path → its bytes as verified against RECORD (only with {@code keepContents}). */
  private final Map<String, byte[]> kept = new java.util.HashMap<>();
  /** Member path → the RECORD hash its contents were verified against. */
  private final Map<String, String> verified = new java.util.HashMap<>();
  private Map<String, Integer> unixModes;

  /** The core metadata fields Ferry uses (from {@code METADATA}). */
  public record Metadata(String name, String version, Optional<String> requiresPython, List<String> requiresDist,
      Optional<String> summary) {
    public Metadata {
      requiresDist = List.copyOf(requiresDist);
    }
  }

  private Wheel(Path file, ZipFile zip, WheelFilename name, String distInfo, Map<String, String> wheel,
      Metadata metadata, List<RecordEntry> record, List<ZipEntry> members) {
    this.file = file;
    this.zip = zip;
    this.name = name;
    this.distInfo = distInfo;
    this.dataDir = distInfo.substring(0, distInfo.length() - ".dist-info".length()) + ".data";
    this.wheel = wheel;
    this.metadata = metadata;
    this.record = record;
    this.members = members;
  }

  /**
   * Opens and verifies a wheel.
   *
   * @throws WheelException naming the file: not a wheel name, corrupt zip, unsafe path, no or bad {@code WHEEL},
   *     unsupported {@code Wheel-Version}, {@code RECORD} mismatch
   */
  public static Wheel open(Path file) throws IOException {
    return open(file, false);
  }

  /**
   * Opens and verifies a wheel; with {@code keepContents} the members read for verification (up to
   * {@link #KEEP_MEMBER} each, {@link #KEEP_TOTAL} in all) stay in memory, so an installer reads and inflates each
   * member once ({@link #open(ZipEntry)} serves them).
   */
  public static Wheel open(Path file, boolean keepContents) throws IOException {
    String fn = file.getFileName().toString();
    WheelFilename name;
    try {
      name = WheelFilename.parse(fn);
    } catch (IllegalArgumentException e) {
      throw new WheelException(fn + ": " + e.getMessage());
    }
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile(), StandardCharsets.UTF_8);
    } catch (ZipException e) {
      throw new WheelException(fn + ": not a valid zip archive (" + e.getMessage() + "); download it again", e);
    }
    try {
      Wheel w = read(file, zip, name);
      w.verifyRecord(keepContents);
      return w;
    } catch (ZipException e) {
      zip.close();
      throw new WheelException(fn + ": corrupt zip archive (" + e.getMessage() + "); download it again", e);
    } catch (IOException | RuntimeException e) {
      zip.close();
      throw e;
    }
  }

  private static Wheel read(Path file, ZipFile zip, WheelFilename name) throws IOException {
    String fn = name.filename();
    List<ZipEntry> members = new ArrayList<>();
    String distInfo = null;
    Enumeration<? extends ZipEntry> en = zip.entries();
    while (en.hasMoreElements()) {
      ZipEntry e = en.nextElement();
      String p = e.getName();
      checkPath(fn, p);
      if (e.isDirectory()) {
        continue;
      }
      members.add(e);
      int slash = p.indexOf('/');
      if (slash > 0 && p.substring(0, slash).endsWith(".dist-info") && p.indexOf('/', slash + 1) < 0) {
        String dir = p.substring(0, slash);
        if (p.endsWith("/WHEEL")) {
          if (distInfo != null && !distInfo.equals(dir)) {
            throw new WheelException(fn + ": two .dist-info directories (" + distInfo + ", " + dir + ")");
          }
          distInfo = dir;
        }
      }
    }
    if (distInfo == null) {
      throw new WheelException(fn + ": no NAME-VERSION.dist-info/WHEEL file; this is not a wheel");
    }
    String expected = Names.fileName(name.distribution());
    String dirName = distInfo.substring(0, distInfo.length() - ".dist-info".length());
    int dash = dirName.lastIndexOf('-');
    if (dash < 0 || !Names.fileName(dirName.substring(0, dash)).equals(expected)) {
      throw new WheelException(fn + ": its .dist-info directory " + distInfo + " does not match the distribution name");
    }
    Map<String, String> wheel = headers(text(zip, fn, distInfo + "/WHEEL"));
    String wv = wheel.get("Wheel-Version");
    if (wv == null) {
      throw new WheelException(fn + ": " + distInfo + "/WHEEL has no Wheel-Version");
    }
    if (!wv.trim().matches("1\\.\\d+")) {
      throw new WheelException(fn + ": unsupported Wheel-Version " + wv.trim() + " (Ferry installs 1.x wheels)");
    }
    Map<String, List<String>> meta = multiHeaders(text(zip, fn, distInfo + "/METADATA"));
    String mName = first(meta, "Name").orElseThrow(() -> new WheelException(fn + ": METADATA has no Name"));
    String mVersion = first(meta, "Version").orElseThrow(() -> new WheelException(fn + ": METADATA has no Version"));
    if (!Names.normalize(mName).equals(name.project())) {
      throw new WheelException(fn + ": METADATA names " + mName + ", not " + name.distribution());
    }
    Metadata metadata = new Metadata(mName, mVersion, first(meta, "Requires-Python"),
        meta.getOrDefault("Requires-Dist", List.of()), first(meta, "Summary"));
    List<RecordEntry> record = parseRecord(fn, text(zip, fn, distInfo + "/RECORD"));
    return new Wheel(file, zip, name, distInfo, wheel, metadata, record, members);
  }

  /** Refuses absolute paths, {@code ..} components, backslashes and NULs: a wheel may only write below its root. */
  static void checkPath(String fn, String p) throws WheelException {
    if (p.isEmpty() || p.startsWith("/") || p.contains("\\") || p.indexOf('\0') >= 0 || p.matches("^[A-Za-z]:.*")) {
      throw new WheelException(fn + ": member '" + p + "' escapes the install root; refusing the wheel");
    }
    for (String c : p.split("/", -1)) {
      if (c.equals("..")) {
        throw new WheelException(fn + ": member '" + p + "' escapes the install root; refusing the wheel");
      }
    }
  }

  private static String text(ZipFile zip, String fn, String member) throws IOException {
    ZipEntry e = zip.getEntry(member);
    if (e == null) {
      throw new WheelException(fn + ": missing " + member);
    }
    if (e.getSize() > 64L << 20) {
      throw new WheelException(fn + ": " + member + " is larger than 64 MiB");
    }
    try (InputStream in = zip.getInputStream(e)) {
      return new String(in.readNBytes(64 << 20), StandardCharsets.UTF_8);
    }
  }

  /** RFC 822-style headers up to the first blank line; continuation lines are joined. */
  static Map<String, List<String>> multiHeaders(String text) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String last = null;
    for (String line : text.split("\r?\n", -1)) {
      if (line.isEmpty()) {
        break;
      }
      if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
        List<String> vs = out.get(last);
        vs.set(vs.size() - 1, vs.get(vs.size() - 1) + "\n" + line.strip());
        continue;
      }
      int c = line.indexOf(':');
      if (c <= 0) {
        continue;
      }
      last = line.substring(0, c).trim();
      out.computeIfAbsent(last, k -> new ArrayList<>()).add(line.substring(c + 1).trim());
    }
    return out;
  }

  static Map<String, String> headers(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    multiHeaders(text).forEach((k, v) -> out.put(k, String.join(", ", v)));
    return out;
  }

  private static Optional<String> first(Map<String, List<String>> m, String key) {
    List<String> v = m.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  static List<RecordEntry> parseRecord(String fn, String text) throws WheelException {
    List<RecordEntry> out = new ArrayList<>();
    int lineNo = 0;
    for (String line : text.split("\r?\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      List<String> f;
      try {
        f = dev.ferry.oci.io.CsvLine.split(line);
      } catch (IllegalArgumentException e) {
        throw new WheelException(fn + ": RECORD line " + lineNo + " has an unterminated quote: " + line);
      }
      if (f.size() != 3) {
        throw new WheelException(fn + ": RECORD line " + lineNo + " does not have 3 fields: " + line);
      }
      Optional<Long> size = Optional.empty();
      if (!f.get(2).isEmpty()) {
        try {
          size = Optional.of(Long.parseLong(f.get(2)));
        } catch (NumberFormatException e) {
          throw new WheelException(fn + ": RECORD line " + lineNo + " has a bad size: " + line);
        }
      }
      out.add(new RecordEntry(f.get(0), f.get(1).isEmpty() ? Optional.empty() : Optional.of(f.get(1)), size));
    }
    return out;
  }

  /** Every member except RECORD (and its signatures) is listed with a matching hash and size, and nothing more. */
  private void verifyRecord(boolean keepContents) throws IOException {
    String fn = name.filename();
    Map<String, RecordEntry> byPath = new LinkedHashMap<>();
    for (RecordEntry r : record) {
      checkPath(fn, r.path());
      if (byPath.put(r.path(), r) != null) {
        throw new WheelException(fn + ": RECORD lists " + r.path() + " twice");
      }
    }
    byte[] buf = new byte[1 << 16];
    long keptBytes = 0;
    for (ZipEntry e : members) {
      String p = e.getName();
      if (isRecordFile(p)) {
        continue;
      }
      RecordEntry r = byPath.remove(p);
      if (r == null) {
        throw new WheelException(fn + ": " + p + " is in the archive but not in RECORD; refusing the wheel");
      }
      if (r.hash().isEmpty()) {
        throw new WheelException(fn + ": RECORD has no hash for " + p + "; refusing the wheel");
      }
      String h = r.hash().get();
      if (!h.startsWith("sha256=") && !h.startsWith("sha384=") && !h.startsWith("sha512=")) {
        throw new WheelException(fn + ": RECORD hash of " + p + " uses an unsupported algorithm: " + h);
      }
      String alg = h.substring(0, h.indexOf('='));
      MessageDigest md;
      try {
        md = MessageDigest.getInstance(alg.toUpperCase(java.util.Locale.ROOT).replace("SHA", "SHA-"));
      } catch (java.security.NoSuchAlgorithmException ex) {
        throw new AssertionError(ex);
      }
      long n = 0;
      if (keepContents && e.getSize() >= 0 && e.getSize() <= KEEP_MEMBER && keptBytes + e.getSize() <= KEEP_TOTAL) {
        byte[] b;
        try (InputStream in = zip.getInputStream(e)) {
          b = in.readNBytes(KEEP_MEMBER + 1);
        }
        if (b.length != e.getSize()) {
          throw new WheelException(fn + ": member " + p + " is " + b.length + " bytes but its zip entry says "
              + e.getSize() + "; refusing the wheel");
        }
        md.update(b);
        n = b.length;
        kept.put(p, b);
        keptBytes += n;
      } else {
        try (InputStream in = zip.getInputStream(e)) {
          int k;
          while ((k = in.read(buf)) > 0) {
            md.update(buf, 0, k);
            n += k;
            if (n > MAX_MEMBER) {
              throw new WheelException(fn + ": member " + p + " is larger than " + (MAX_MEMBER >> 30) + " GiB");
            }
          }
        }
      }
      String actual = alg + "=" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(md.digest());
      if (!actual.equals(h)) {
        throw new WheelException(fn + ": RECORD hash of " + p + " does not match its contents (RECORD " + h
            + ", actual " + actual + "); refusing the wheel");
      }
      if (r.size().isPresent() && r.size().get() != n) {
        throw new WheelException(fn + ": RECORD size of " + p + " is " + r.size().get() + ", actual " + n);
      }
      verified.put(p, h);
    }
    byPath.keySet().removeIf(this::isRecordFile);
    if (!byPath.isEmpty()) {
      throw new WheelException(fn + ": RECORD lists " + byPath.keySet().iterator().next()
          + " which is not in the archive; refusing the wheel");
    }
  }

  private boolean isRecordFile(String p) {
    return p.equals(distInfo + "/RECORD") || p.equals(distInfo + "/RECORD.jws") || p.equals(distInfo + "/RECORD.p7s");
  }

  public Path file() {
    return file;
  }

  public WheelFilename filename() {
    return name;
  }

  /** {@code NAME-VERSION.dist-info}. */
  public String distInfo() {
    return distInfo;
  }

  /** {@code NAME-VERSION.data}. */
  public String dataDir() {
    return dataDir;
  }

  /** The fields of {@code WHEEL} (multiple {@code Tag} lines joined with ", "). */
  public Map<String, String> wheelFile() {
    return wheel;
  }

  public Metadata metadata() {
    return metadata;
  }

  public boolean rootIsPurelib() {
    return "true".equalsIgnoreCase(wheel.getOrDefault("Root-Is-Purelib", "true").trim());
  }

  public List<RecordEntry> record() {
    return record;
  }

  /** File members (no directories) in archive order. */
  public List<ZipEntry> members() {
    return members;
  }

  /** A member's bytes: from memory when {@link #open(Path, boolean)} kept them, else inflated again. */
  public InputStream open(ZipEntry member) throws IOException {
    byte[] b = kept.get(member.getName());
    return b != null ? new java.io.ByteArrayInputStream(b) : zip.getInputStream(member);
  }

  /** A member's bytes when they were kept from verification (no copy: do not modify). */
  Optional<byte[]> keptContents(String member) {
    return Optional.ofNullable(kept.get(member));
  }

  /** The RECORD hash ({@code alg=urlsafe-base64}) a member's contents were verified against at open. */
  Optional<String> verifiedHash(String member) {
    return Optional.ofNullable(verified.get(member));
  }

  /**
   * Unix modes of the members that record one (zip "version made by" Unix), by member path; read once from the
   * central directory (java.util.zip does not expose external attributes).
   */
  public synchronized Map<String, Integer> unixModes() throws IOException {
    if (unixModes == null) {
      Map<String, Integer> out = new java.util.HashMap<>();
      try (org.apache.commons.compress.archivers.zip.ZipFile z =
          org.apache.commons.compress.archivers.zip.ZipFile.builder().setPath(file).get()) {
        var en = z.getEntries();
        while (en.hasMoreElements()) {
          org.apache.commons.compress.archivers.zip.ZipArchiveEntry e = en.nextElement();
          if (e.getPlatform() == org.apache.commons.compress.archivers.zip.ZipArchiveEntry.PLATFORM_UNIX) {
            out.put(e.getName(), e.getUnixMode());
          }
        }
      }
      unixModes = Map.copyOf(out);
    }
    return unixModes;
  }

  /**
   * Entry points of a group ({@code console_scripts}, {@code gui_scripts}) from {@code entry_points.txt}: name →
   * {@code module:attr}, in file order.
   */
  public Map<String, String> entryPoints(String group) throws IOException {
    ZipEntry e = zip.getEntry(distInfo + "/entry_points.txt");
    Map<String, String> out = new LinkedHashMap<>();
    if (e == null) {
      return out;
    }
    String text = text(zip, name.filename(), e.getName());
    String section = null;
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1).strip();
        continue;
      }
      int eq = line.indexOf('=');
      if (group.equals(section) && eq > 0) {
        out.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }
}
