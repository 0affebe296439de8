package dev.ferry.bundle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * CycloneDX 1.5 SBOMs (JSON). For an image: the packages its package databases list in the final file system (the
 * layers read in order, later files and whiteouts winning) — Debian's {@code var/lib/dpkg/status}, Alpine's
 * {@code lib/apk/db/installed}, the SQLite rpmdb {@code var/lib/rpm/rpmdb.sqlite} (see {@link RpmDb}) — and the Python
 * distributions of every {@code *.dist-info/METADATA}. For files and models: each file with its SHA-256. Output is
 * deterministic (no timestamp; the serial number derives from the digest described). The older BerkeleyDB and ndb
 * rpmdb forms are not read (a warning says so). Stateless.
 *
 * @see <a href="https://cyclonedx.org/docs/1.5/json/">CycloneDX 1.5 JSON</a>
 */
public final class Sboms {
  /** A package database file larger than this is not an SBOM source but a mistake; it is skipped. */
  private static final long MAX_DB_BYTES = 64L << 20;

  private static final String RPMDB_SQLITE = "var/lib/rpm/rpmdb.sqlite";
  private static final String RPMDB_BDB = "var/lib/rpm/Packages";
  private static final String RPMDB_NDB = "var/lib/rpm/Packages.db";

  private Sboms() {}

  /** A package found in an image. */
  record Package(String type, String name, String version, String purl, Optional<String> license) {
    Package(String type, String name, String version, String purl) {
      this(type, name, version, purl, Optional.empty());
    }
  }

  /**
   * The SBOM of one platform's image, read from its layers in {@code store}; what cannot be read (a malformed RPM
   * header, an rpmdb form not supported) is reported to {@code warn} and left out.
   */
  public static byte[] forImage(OciStore store, String name, Platform platform, Digest manifestDigest, Manifest manifest,
      Consumer<String> warn) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    Map<String, Integer> layerOf = new TreeMap<>();
    int layerNo = 0;
    for (Descriptor layer : manifest.layers()) {
      layerNo++;
      MediaType.Compression c = layer.knownMediaType().map(MediaType::compression).orElse(MediaType.Compression.GZIP);
      if (layer.knownMediaType().map(t -> !t.isLayer() && t.kind() != MediaType.Kind.FOREIGN_LAYER).orElse(false)
          || !store.exists(layer.digest())) {
        continue;
      }
      try (InputStream raw = store.open(layer.digest());
          InputStream un = decompress(new BufferedInputStream(raw, 1 << 16), c);
          TarArchiveInputStream tar = new TarArchiveInputStream(un)) {
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
          String path = normalise(e.getName());
          String base = path.substring(path.lastIndexOf('/') + 1);
          if (base.startsWith(".wh.")) {
            String dir = path.substring(0, path.length() - base.length());
            if (base.equals(".wh..wh..opq")) {
              files.keySet().removeIf(k -> k.startsWith(dir)); // an opaque directory hides all that lower layers had in it
            } else {
              String gone = dir + base.substring(4);
              files.keySet().removeIf(k -> k.equals(gone) || k.startsWith(gone + "/"));
            }
            continue;
          }
          if (e.isFile() && (path.equals(RPMDB_BDB) || path.equals(RPMDB_NDB))) {
            files.put(path, new byte[0]); // only its presence matters: it is not read
          } else if (e.isFile() && interesting(path) && e.getSize() <= MAX_DB_BYTES) {
            files.put(path, tar.readAllBytes());
            layerOf.put(path, layerNo);
          }
        }
      }
    }
    List<Package> packages = new ArrayList<>();
    String distro = osId(files.get("etc/os-release"), files.get("usr/lib/os-release"));
    if (files.containsKey("var/lib/dpkg/status")) {
      packages.addAll(dpkg(new String(files.get("var/lib/dpkg/status"), StandardCharsets.UTF_8), distro.isEmpty() ? "debian" : distro));
    }
    if (files.containsKey("lib/apk/db/installed")) {
      packages.addAll(apk(new String(files.get("lib/apk/db/installed"), StandardCharsets.UTF_8), distro.isEmpty() ? "alpine" : distro));
    }
    if (files.containsKey(RPMDB_SQLITE)) {
      // A write-ahead log from a layer below the database's own is stale: the database was rewritten after it.
      Optional<byte[]> wal = Optional.ofNullable(files.get(RPMDB_SQLITE + "-wal"))
          .filter(w -> layerOf.get(RPMDB_SQLITE + "-wal") >= layerOf.get(RPMDB_SQLITE));
      packages.addAll(RpmDb.sqlite(files.get(RPMDB_SQLITE), wal, distro.isEmpty() ? "rpm" : distro,
          m -> warn.accept("SBOM of " + name + " (" + platform + "): " + m)));
    } else {
      for (String other : List.of(RPMDB_BDB, RPMDB_NDB)) {
        if (files.containsKey(other)) {
          warn.accept("SBOM of " + name + " (" + platform + "): " + other + " is an rpmdb form Ferry does not read (only "
              + RPMDB_SQLITE + "); its RPM packages are not listed");
        }
      }
    }
    for (var e : files.entrySet()) {
      if (e.getKey().endsWith(".dist-info/METADATA")) {
        python(new String(e.getValue(), StandardCharsets.UTF_8)).ifPresent(packages::add);
      }
    }
    ObjectNode bom = header(manifestDigest);
    ObjectNode subject = ((ObjectNode) bom.get("metadata")).putObject("component");
    subject.put("type", "container").put("bom-ref", manifestDigest.toString()).put("name", name)
        .put("version", manifestDigest.toString());
    subject.putArray("properties").addObject().put("name", "ferry:platform").put("value", platform.toString());
    ArrayNode comps = bom.putArray("components");
    packages.stream().distinct().sorted((a, b) -> a.purl().compareTo(b.purl())).forEach(p -> {
      ObjectNode c = comps.addObject().put("type", p.type()).put("bom-ref", p.purl()).put("name", p.name()).put("version", p.version())
          .put("purl", p.purl());
      p.license().ifPresent(l -> c.putArray("licenses").addObject().putObject("license").put("name", l));
    });
    return bytes(bom);
  }

  /** The SBOM of a file or model artifact: each file with its hash. */
  public static byte[] forArtifact(BundleLock.LockedArtifact a) {
    ObjectNode bom = header(a.digest());
    ObjectNode subject = ((ObjectNode) bom.get("metadata")).putObject("component");
    subject.put("type", a.kind().equals("model") ? "machine-learning-model" : "data").put("bom-ref", a.digest().toString())
        .put("name", a.nameAndTag()).put("version", a.digest().toString());
    ArrayNode comps = bom.putArray("components");
    for (BundleLock.LockedFile f : a.files()) {
      ObjectNode c = comps.addObject();
      c.put("type", a.kind().equals("model") ? "machine-learning-model" : "file").put("bom-ref", f.digest() + ":" + f.path())
          .put("name", f.path());
      c.putArray("hashes").addObject().put("alg", "SHA-256").put("content", f.digest().hex());
      c.putArray("properties").addObject().put("name", "ferry:size").put("value", Long.toString(f.size()));
    }
    return bytes(bom);
  }

  private static ObjectNode header(Digest subject) {
    ObjectNode bom = Json.MAPPER.createObjectNode();
    bom.put("bomFormat", "CycloneDX");
    bom.put("specVersion", "1.5");
    bom.put("serialNumber", "urn:uuid:" + UUID.nameUUIDFromBytes(subject.toString().getBytes(StandardCharsets.UTF_8)));
    bom.put("version", 1);
    ObjectNode meta = bom.putObject("metadata");
    meta.putObject("tools").putArray("components").addObject().put("type", "application").put("name", "ferry");
    return bom;
  }

  private static byte[] bytes(ObjectNode bom) {
    try {
      return Json.MAPPER.writeValueAsBytes(bom);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean interesting(String path) {
    return path.equals("var/lib/dpkg/status") || path.equals("lib/apk/db/installed") || path.equals(RPMDB_SQLITE)
        || path.equals(RPMDB_SQLITE + "-wal") || path.equals("etc/os-release")
        || path.equals("usr/lib/os-release") || path.endsWith(".dist-info/METADATA");
  }

  private static String normalise(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.startsWith("./") ? n.substring(2) : n.substring(1);
    }
    return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  private static InputStream decompress(InputStream in, MediaType.Compression c) throws IOException {
    return switch (c) {
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new ZstdInputStream(in);
      case NONE -> in;
    };
  }

  static String osId(byte[]... candidates) {
    for (byte[] b : candidates) {
      if (b == null) {
        continue;
      }
      for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("ID=")) {
          return line.substring(3).replace("\"", "").trim().toLowerCase(Locale.ROOT);
        }
      }
    }
    return "";
  }

  /** Installed packages of a dpkg status file. */
  static List<Package> dpkg(String status, String distro) {
    List<Package> out = new ArrayList<>();
    for (String stanza : status.split("\n\n")) {
      Map<String, String> f = fields(stanza, ": ");
      String st = f.getOrDefault("Status", "install ok installed");
      if (!f.containsKey("Package") || !f.containsKey("Version") || !st.endsWith(" installed")) {
        continue;
      }
      String arch = f.getOrDefault("Architecture", "");
      String purl = "pkg:deb/" + distro + "/" + f.get("Package") + "@" + encode(f.get("Version")) + (arch.isEmpty() ? "" : "?arch=" + arch);
      out.add(new Package("library", f.get("Package"), f.get("Version"), purl));
    }
    return out;
  }

  /** Installed packages of an apk database. */
  static List<Package> apk(String db, String distro) {
    List<Package> out = new ArrayList<>();
    for (String block : db.split("\n\n")) {
      Map<String, String> f = fields(block, ":");
      if (!f.containsKey("P") || !f.containsKey("V")) {
        continue;
      }
      String arch = f.getOrDefault("A", "");
      String purl = "pkg:apk/" + distro + "/" + f.get("P") + "@" + encode(f.get("V")) + (arch.isEmpty() ? "" : "?arch=" + arch);
      out.add(new Package("library", f.get("P"), f.get("V"), purl));
    }
    return out;
  }

  /** The distribution a {@code METADATA} file describes. */
  static java.util.Optional<Package> python(String metadata) {
    Map<String, String> f = fields(metadata.split("\n\n", 2)[0], ": ");
    if (!f.containsKey("Name") || !f.containsKey("Version")) {
      return java.util.Optional.empty();
    }
    String name = f.get("Name").toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    return java.util.Optional.of(new Package("library", f.get("Name"), f.get("Version"), "pkg:pypi/" + name + "@" + encode(f.get("Version"))));
  }

  /** {@code Key<sep>value} lines, first occurrence wins; continuation lines are ignored. */
  private static Map<String, String> fields(String text, String sep) {
    Map<String, String> m = new TreeMap<>();
    for (String line : text.split("\n")) {
      int i = line.indexOf(sep);
      if (i > 0 && !line.startsWith(" ") && !line.startsWith("\t")) {
        m.putIfAbsent(line.substring(0, i), line.substring(i + sep.length()).trim());
      }
    }
    return m;
  }

  static String encode(String v) {
    return v.replace("%", "%25").replace("+", "%2B").replace(":", "%3A");
  }
}
