package dev.ferry.bundle;

import dev.ferry.oci.io.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Installed packages of an RPM database in the SQLite form ({@code var/lib/rpm/rpmdb.sqlite}, RPM ≥ 4.16: RHEL, Rocky
 * and Alma 9, Fedora ≥ 33, openEuler), read without rpm: each row of table {@code Packages} holds one package's header
 * blob, parsed here. The BerkeleyDB ({@code Packages}) and ndb ({@code Packages.db}) forms are not read. Stateless.
 *
 * <p>A header blob (RPM's "header without lead") is: the number of index entries {@code il} and the data length
 * {@code dl} (both big-endian 32-bit), {@code il} entries of 16 bytes (tag, type, offset into the data, count), then
 * {@code dl} bytes of data. Every read is bounds-checked; a malformed header is skipped with a warning.
 *
 * @see <a href="https://rpm-software-management.github.io/rpm/manual/format_header.html">RPM header format</a>
 */
final class RpmDb {
  static final int TAG_NAME = 1000;
  static final int TAG_VERSION = 1001;
  static final int TAG_RELEASE = 1002;
  static final int TAG_EPOCH = 1003;
  static final int TAG_LICENSE = 1014;
  static final int TAG_ARCH = 1022;

  static final int TYPE_INT32 = 4;
  static final int TYPE_STRING = 6;
  static final int TYPE_STRING_ARRAY = 8;
  static final int TYPE_I18NSTRING = 9;

  /** RPM's own limits on a header (lib/header.c): at most 0xffff entries and 256 MiB of data. */
  private static final int MAX_ENTRIES = 0xffff;
  private static final int MAX_DATA = 256 << 20;

  private RpmDb() {}

  /** The fields of one package header that an SBOM needs. */
  record Header(String name, String version, String release, Optional<Integer> epoch, String arch, Optional<String> license) {
    /** {@code [epoch:]version-release}, as rpm prints it. */
    String evr() {
      return epoch.map(e -> e + ":").orElse("") + version + "-" + release;
    }
  }

  /**
   * The packages of the SQLite rpmdb {@code db} (with its write-ahead log {@code wal}, when the image carries a
   * non-empty one), for purls under {@code vendor}. Malformed headers, and a database that cannot be read, are reported
   * to {@code warn} and skipped.
   */
  static List<Sboms.Package> sqlite(byte[] db, Optional<byte[]> wal, String vendor, Consumer<String> warn) {
    List<Sboms.Package> out = new ArrayList<>();
    Path dir = null;
    try {
      dir = Files.createTempDirectory("ferry-rpmdb-");
      Path file = dir.resolve("rpmdb.sqlite");
      Files.write(file, db);
      if (wal.isPresent() && wal.get().length > 0) {
        Files.write(dir.resolve("rpmdb.sqlite-wal"), wal.get());
      }
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT hnum, blob FROM Packages ORDER BY hnum")) {
        while (rs.next()) {
          long hnum = rs.getLong(1);
          byte[] blob = rs.getBytes(2);
          try {
            Header h = parse(blob == null ? new byte[0] : blob);
            if (!h.name().equals("gpg-pubkey")) { // the signing keys rpm imported, not software
              out.add(pkg(h, vendor));
            }
          } catch (IllegalArgumentException e) {
            warn.accept("skipping RPM header " + hnum + " of var/lib/rpm/rpmdb.sqlite: " + e.getMessage());
          }
        }
      }
    } catch (IOException | SQLException e) {
      warn.accept("cannot read var/lib/rpm/rpmdb.sqlite (" + e.getMessage().lines().findFirst().orElse("") + "); its RPM packages are not listed");
    } finally {
      if (dir != null) {
        Trees.deleteQuietly(dir); // a temp directory left behind is harmless; the SBOM is complete
      }
    }
    return out;
  }

  /**
   * The SBOM component of {@code h}: version {@code [epoch:]version-release}, purl
   * {@code pkg:rpm/<vendor>/<name>@<version>-<release>?arch=…&epoch=…} (the purl specification carries the epoch as a
   * qualifier, which is what scanners match on).
   */
  static Sboms.Package pkg(Header h, String vendor) {
    StringBuilder purl = new StringBuilder("pkg:rpm/").append(Sboms.encode(vendor)).append('/').append(Sboms.encode(h.name()))
        .append('@').append(Sboms.encode(h.version() + "-" + h.release()));
    String sep = "?";
    if (!h.arch().isEmpty()) {
      purl.append(sep).append("arch=").append(Sboms.encode(h.arch()));
      sep = "&";
    }
    if (h.epoch().isPresent()) {
      purl.append(sep).append("epoch=").append(h.epoch().get());
    }
    return new Sboms.Package("library", h.name(), h.evr(), purl.toString(), h.license());
  }

  /**
   * Parses a header blob. Throws {@link IllegalArgumentException} (with a one-line reason) when it is malformed or lacks
   * a name, version or release.
   */
  static Header parse(byte[] b) {
    if (b.length < 8) {
      throw new IllegalArgumentException("header of " + b.length + " bytes is shorter than its 8-byte intro");
    }
    long il = u32(b, 0);
    long dl = u32(b, 4);
    if (il < 1 || il > MAX_ENTRIES) {
      throw new IllegalArgumentException("header claims " + il + " index entries");
    }
    if (dl > MAX_DATA) {
      throw new IllegalArgumentException("header claims " + dl + " bytes of data");
    }
    long dataStart = 8 + il * 16;
    if (dataStart + dl > b.length) {
      throw new IllegalArgumentException("header claims " + il + " entries and " + dl + " data bytes but has only " + b.length + " bytes");
    }
    Map<Integer, Object> values = new HashMap<>();
    for (int i = 0; i < il; i++) {
      int at = 8 + i * 16;
      int tag = (int) u32(b, at);
      long type = u32(b, at + 4);
      long offset = u32(b, at + 8);
      long count = u32(b, at + 12);
      if (tag != TAG_NAME && tag != TAG_VERSION && tag != TAG_RELEASE && tag != TAG_EPOCH && tag != TAG_ARCH
          && tag != TAG_LICENSE) {
        continue;
      }
      if (offset >= dl) {
        throw new IllegalArgumentException("tag " + tag + " points at offset " + offset + " outside its " + dl + " data bytes");
      }
      int start = (int) (dataStart + offset);
      int end = (int) (dataStart + dl);
      if (tag == TAG_EPOCH) {
        if (type != TYPE_INT32 || count < 1 || start + 4L > end) {
          throw new IllegalArgumentException("tag " + tag + " is not a 32-bit integer inside the data");
        }
        values.put(tag, (int) u32(b, start));
      } else {
        if (type != TYPE_STRING && type != TYPE_STRING_ARRAY && type != TYPE_I18NSTRING) {
          throw new IllegalArgumentException("tag " + tag + " has type " + type + ", not a string");
        }
        int nul = start;
        while (nul < end && b[nul] != 0) {
          nul++;
        }
        if (nul == end) {
          throw new IllegalArgumentException("string of tag " + tag + " is not terminated inside the data");
        }
        values.put(tag, new String(b, start, nul - start, StandardCharsets.UTF_8));
      }
    }
    String name = string(values, TAG_NAME);
    String version = string(values, TAG_VERSION);
    String release = string(values, TAG_RELEASE);
    if (name.isEmpty() || version.isEmpty() || release.isEmpty()) {
      throw new IllegalArgumentException("header lacks a name, version or release");
    }
    return new Header(name, version, release, Optional.ofNullable((Integer) values.get(TAG_EPOCH)), string(values, TAG_ARCH),
        Optional.of(string(values, TAG_LICENSE)).filter(s -> !s.isEmpty()));
  }

  private static String string(Map<Integer, Object> values, int tag) {
    return values.get(tag) instanceof String s ? s : "";
  }

  private static long u32(byte[] b, int at) {
    return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xffL) << 16) | ((b[at + 2] & 0xffL) << 8) | (b[at + 3] & 0xffL);
  }
}
