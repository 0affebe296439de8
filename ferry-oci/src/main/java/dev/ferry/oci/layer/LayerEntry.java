package dev.ferry.oci.layer;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of a layer tar: a file (from bytes or from a {@link Path}), directory, symlink, hard link, device,
 * FIFO or whiteout, with its mode, numeric owner, modification time and extended attributes. Immutable.
 *
 * <p>Paths are normalised on construction: a leading {@code /} or {@code ./} is dropped, directories end with
 * {@code /}, and empty, {@code .} or {@code ..} components are refused. An entry's modification time is clamped to
 * the writer's epoch; entries built here without {@link #withMtime} get exactly the epoch.
 */
public final class LayerEntry {

  /** What kind of file system object an entry is. */
  public enum Type {
    FILE,
    DIRECTORY,
    SYMLINK,
    HARD_LINK,
    CHAR_DEVICE,
    BLOCK_DEVICE,
    FIFO
  }

  /** The prefix that marks a whiteout entry. */
  public static final String WHITEOUT_PREFIX = ".wh.";

  /** The name of the entry that makes its directory opaque. */
  public static final String OPAQUE_WHITEOUT = ".wh..wh..opq";

  /** Later than any epoch, so that clamping turns it into the epoch itself. */
  static final Instant UNSET_MTIME = Instant.MAX;

  /** Identity of a file on disk, used to turn the second and later names of an inode into hard links. */
  record FileKey(long dev, long ino) {}

  private final String path;
  private final Type type;
  private final int mode;
  private final long uid;
  private final long gid;
  private final Instant mtime;
  private final long size;
  private final String linkTarget;
  private final int devMajor;
  private final int devMinor;
  private final SortedMap<String, byte[]> xattrs;
  private final byte[] data;
  private final Path source;
  private final FileKey fileKey;
  private final byte[] pathBytes;

  private LayerEntry(
      String path,
      Type type,
      int mode,
      long uid,
      long gid,
      Instant mtime,
      long size,
      String linkTarget,
      int devMajor,
      int devMinor,
      SortedMap<String, byte[]> xattrs,
      byte[] data,
      Path source,
      FileKey fileKey) {
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException(
          "mode of '" + path + "' must be within 0..07777, got 0" + Integer.toOctalString(mode));
    }
    if (uid < 0 || gid < 0) {
      throw new IllegalArgumentException("owner of '" + path + "' must be >= 0, got " + uid + ":" + gid);
    }
    this.path = path;
    this.type = type;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.mtime = Objects.requireNonNull(mtime, "mtime");
    this.size = size;
    this.linkTarget = linkTarget;
    this.devMajor = devMajor;
    this.devMinor = devMinor;
    this.xattrs = xattrs;
    this.data = data;
    this.source = source;
    this.fileKey = fileKey;
    this.pathBytes = path.getBytes(UTF_8);
  }

  private static LayerEntry of(String path, Type type, int mode) {
    return new LayerEntry(
        path, type, mode, 0, 0, UNSET_MTIME, 0, "", 0, 0, Collections.emptySortedMap(), null, null, null);
  }

  /** A regular file with the given content, mode 0644, owned by 0:0. The array is copied. */
  public static LayerEntry file(String path, byte[] content) {
    Objects.requireNonNull(content, "content");
    String p = normalise(path, false);
    return new LayerEntry(
        p, Type.FILE, 0644, 0, 0, UNSET_MTIME, content.length, "", 0, 0, Collections.emptySortedMap(),
        content.clone(), null, null);
  }

  /**
   * A regular file whose content is read from {@code source} when the layer is written (its size is taken then),
   * mode 0644, owned by 0:0. The file's own mode, owner and time are not used.
   */
  public static LayerEntry file(String path, Path source) {
    Objects.requireNonNull(source, "source");
    String p = normalise(path, false);
    return new LayerEntry(
        p, Type.FILE, 0644, 0, 0, UNSET_MTIME, -1, "", 0, 0, Collections.emptySortedMap(), null, source, null);
  }

  /** A directory, mode 0755, owned by 0:0. */
  public static LayerEntry directory(String path) {
    return of(normalise(path, true), Type.DIRECTORY, 0755);
  }

  /** A symbolic link; the target is stored verbatim and may point anywhere, including outside the image. */
  public static LayerEntry symlink(String path, String target) {
    return of(normalise(path, false), Type.SYMLINK, 0777).withLinkTarget(requireLinkTarget(path, target));
  }

  /** A hard link to {@code target}, another path in this layer (earlier in sort order) or a lower layer. */
  public static LayerEntry hardLink(String path, String target) {
    requireLinkTarget(path, target);
    return of(normalise(path, false), Type.HARD_LINK, 0644).withLinkTarget(normalise(target, false));
  }

  /** A whiteout that deletes {@code path} (file or whole directory) from the layers below. */
  public static LayerEntry whiteout(String path) {
    String p = normalise(path, false);
    int slash = p.lastIndexOf('/');
    String name = p.substring(slash + 1);
    if (name.startsWith(WHITEOUT_PREFIX)) {
      throw new IllegalArgumentException("cannot white out a whiteout name, got '" + path + "'");
    }
    return of(p.substring(0, slash + 1) + WHITEOUT_PREFIX + name, Type.FILE, 0644);
  }

  /** An opaque whiteout: the directory {@code dir} keeps only the entries this layer gives it. */
  public static LayerEntry opaqueWhiteout(String dir) {
    return of(normalise(dir, true) + OPAQUE_WHITEOUT, Type.FILE, 0644);
  }

  /** A character device, mode 0666. */
  public static LayerEntry charDevice(String path, int major, int minor) {
    return device(path, Type.CHAR_DEVICE, major, minor);
  }

  /** A block device, mode 0660. */
  public static LayerEntry blockDevice(String path, int major, int minor) {
    return device(path, Type.BLOCK_DEVICE, major, minor);
  }

  /** A named pipe, mode 0644. */
  public static LayerEntry fifo(String path) {
    return of(normalise(path, false), Type.FIFO, 0644);
  }

  private static LayerEntry device(String path, Type type, int major, int minor) {
    // ustar stores each device number in 7 octal digits.
    if (major < 0 || major > 07777777 || minor < 0 || minor > 07777777) {
      throw new IllegalArgumentException(
          "device numbers of '" + path + "' must be within 0..2097151, got " + major + ":" + minor);
    }
    LayerEntry e = of(normalise(path, false), type, type == Type.CHAR_DEVICE ? 0666 : 0660);
    return new LayerEntry(
        e.path, type, e.mode, 0, 0, UNSET_MTIME, 0, "", major, minor, e.xattrs, null, null, null);
  }

  /** Entry read from a file system; {@code fileKey} is set for regular files with more than one link. */
  static LayerEntry fromFileSystem(
      String path,
      Type type,
      int mode,
      long uid,
      long gid,
      Instant mtime,
      long size,
      String linkTarget,
      int devMajor,
      int devMinor,
      SortedMap<String, byte[]> xattrs,
      Path source,
      FileKey fileKey) {
    return new LayerEntry(
        normalise(path, type == Type.DIRECTORY), type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor,
        xattrs, null, source, fileKey);
  }

  /** This entry with permission bits {@code mode} (0..07777, setuid, setgid and sticky included). */
  public LayerEntry withMode(int mode) {
    return new LayerEntry(
        path, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor, xattrs, data, source, fileKey);
  }

  /** This entry owned by numeric {@code uid}:{@code gid}; tar user and group names stay empty. */
  public LayerEntry withOwner(long uid, long gid) {
    return new LayerEntry(
        path, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor, xattrs, data, source, fileKey);
  }

  /** This entry with modification time {@code mtime}, which the writer clamps to its epoch. */
  public LayerEntry withMtime(Instant mtime) {
    return new LayerEntry(
        path, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor, xattrs, data, source, fileKey);
  }

  /**
   * This entry with the extended attribute {@code name} (for example {@code security.capability} or {@code
   * user.origin}) set to {@code value}, written as a PAX {@code SCHILY.xattr.<name>} record with the raw bytes.
   */
  public LayerEntry withXattr(String name, byte[] value) {
    Objects.requireNonNull(value, "value");
    if (name == null || name.isEmpty() || name.indexOf('.') <= 0 || name.indexOf('=') >= 0 || name.indexOf(0) >= 0) {
      throw new IllegalArgumentException(
          "xattr name must be namespace.name without '=' or NUL, got '" + name + "' on '" + path + "'");
    }
    SortedMap<String, byte[]> copy = new TreeMap<>(xattrs);
    copy.put(name, value.clone());
    return new LayerEntry(
        path, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor,
        Collections.unmodifiableSortedMap(copy), data, source, fileKey);
  }

  LayerEntry asHardLinkTo(String target) {
    return new LayerEntry(
        path, Type.HARD_LINK, mode, uid, gid, mtime, 0, target, 0, 0, xattrs, null, null, null);
  }

  private LayerEntry withLinkTarget(String target) {
    return new LayerEntry(
        path, type, mode, uid, gid, mtime, size, target, devMajor, devMinor, xattrs, data, source, fileKey);
  }

  /** The tar path: relative, {@code /}-separated, ending with {@code /} for directories. */
  public String path() {
    return path;
  }

  public Type type() {
    return type;
  }

  /** Permission bits including setuid, setgid and sticky; never file type bits. */
  public int mode() {
    return mode;
  }

  public long uid() {
    return uid;
  }

  public long gid() {
    return gid;
  }

  /** The modification time before clamping; {@link Instant#MAX} when the writer's epoch applies. */
  public Instant mtime() {
    return mtime;
  }

  /** Symlink or hard link target; empty for other types. */
  public String linkTarget() {
    return linkTarget;
  }

  public int devMajor() {
    return devMajor;
  }

  public int devMinor() {
    return devMinor;
  }

  /** Extended attributes by full name; the values are copies. */
  public Map<String, byte[]> xattrs() {
    SortedMap<String, byte[]> copy = new TreeMap<>();
    xattrs.forEach((k, v) -> copy.put(k, v.clone()));
    return copy;
  }

  /** True for {@code .wh.*} entries, opaque markers included. */
  public boolean isWhiteout() {
    return path.substring(path.lastIndexOf('/', path.length() - 2) + 1).startsWith(WHITEOUT_PREFIX);
  }

  SortedMap<String, byte[]> rawXattrs() {
    return xattrs;
  }

  /** Content length, or -1 for a {@link #file(String, Path)} entry whose size is read when written. */
  long size() {
    return size;
  }

  byte[] data() {
    return data;
  }

  Path source() {
    return source;
  }

  FileKey fileKey() {
    return fileKey;
  }

  byte[] pathBytes() {
    return pathBytes;
  }

  static int compareByPath(LayerEntry a, LayerEntry b) {
    return Arrays.compareUnsigned(a.pathBytes, b.pathBytes);
  }

  private static String requireLinkTarget(String path, String target) {
    if (target == null || target.isEmpty() || target.indexOf(0) >= 0) {
      throw new IllegalArgumentException("link target of '" + path + "' must be non-empty without NUL, got '"
          + target + "'");
    }
    return target;
  }

  static String normalise(String raw, boolean directory) {
    if (raw == null || raw.indexOf(0) >= 0) {
      throw new IllegalArgumentException("layer path must be non-null without NUL, got '" + raw + "'");
    }
    String p = raw;
    while (p.startsWith("/") || p.startsWith("./")) {
      p = p.startsWith("/") ? p.substring(1) : p.substring(2);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty() || p.equals(".")) {
      throw new IllegalArgumentException("layer path must name something below the root, got '" + raw + "'");
    }
    for (String c : p.split("/", -1)) {
      if (c.isEmpty() || c.equals(".") || c.equals("..")) {
        throw new IllegalArgumentException(
            "layer path must not contain empty, '.' or '..' components, got '" + raw + "'");
      }
    }
    return directory ? p + "/" : p;
  }

  @Override
  public String toString() {
    return type + " " + path + (linkTarget.isEmpty() ? "" : " -> " + linkTarget) + " 0"
        + Integer.toOctalString(mode) + " " + uid + ":" + gid;
  }
}
