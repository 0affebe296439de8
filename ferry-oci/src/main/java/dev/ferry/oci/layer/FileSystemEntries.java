package dev.ferry.oci.layer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Reads layer entries from a directory tree with one {@code lstat} per path. Stateless and thread-safe. */
final class FileSystemEntries {
  static final String ATTRIBUTES = "unix:mode,uid,gid,ino,dev,nlink,rdev,size,lastModifiedTime";
  static final int S_IFMT = 0170000;
  static final int S_IFSOCK = 0140000;
  static final int S_IFLNK = 0120000;
  static final int S_IFREG = 0100000;
  static final int S_IFBLK = 060000;
  static final int S_IFDIR = 040000;
  static final int S_IFCHR = 020000;
  static final int S_IFIFO = 010000;

  private FileSystemEntries() {}

  /** Every entry below {@code root} (the root itself excluded), unsorted; sockets are skipped. */
  static List<LayerEntry> read(Path root) throws IOException {
    Map<String, Object> rootAttrs = attributes(root);
    if (((Integer) rootAttrs.get("mode") & S_IFMT) != S_IFDIR) {
      throw new IOException("layer source must be a directory, got " + root);
    }
    List<LayerEntry> out = new ArrayList<>();
    addChildren(root, "", out);
    return out;
  }

  /**
   * Every entry below {@code root} (the root itself excluded; sockets skipped), lazily, in the order
   * {@link LayerEntry#compareByPath} sorts them: a depth-first walk whose siblings are ordered by the UTF-8 bytes of
   * their name, with {@code /} appended for directories. That is the global order because a directory's
   * descendants all share its path as a prefix, and no sibling's name can extend {@code name/}. Not thread-safe; a
   * failure to read the tree surfaces as an {@link java.io.UncheckedIOException} from the iterator.
   */
  static java.util.Iterator<LayerEntry> walkSorted(Path root) throws IOException {
    Map<String, Object> rootAttrs = attributes(root);
    if (((Integer) rootAttrs.get("mode") & S_IFMT) != S_IFDIR) {
      throw new IOException("layer source must be a directory, got " + root);
    }
    java.util.ArrayDeque<java.util.Iterator<LayerEntry>> stack = new java.util.ArrayDeque<>();
    stack.push(sortedChildren(root, "").iterator());
    return new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        while (!stack.isEmpty() && !stack.peek().hasNext()) {
          stack.pop();
        }
        return !stack.isEmpty();
      }

      @Override
      public LayerEntry next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        LayerEntry e = stack.peek().next();
        if (e.type() == LayerEntry.Type.DIRECTORY) {
          try {
            stack.push(sortedChildren(e.source() != null ? e.source() : root.resolve(e.path()), e.path()).iterator());
          } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
          }
        }
        return e;
      }
    };
  }

  /** The entries of {@code dir}'s children (named {@code prefix + name}), in layer order. */
  private static List<LayerEntry> sortedChildren(Path dir, String prefix) throws IOException {
    List<LayerEntry> out = new ArrayList<>();
    for (String name : childNames(dir)) {
      Path p = dir.resolve(name);
      LayerEntry e = entry(p, prefix + name, attributes(p));
      if (e != null) {
        out.add(e);
      }
    }
    out.sort(LayerEntry::compareByPath);
    return out;
  }

  /** Adds {@code path} (named {@code rel} in the layer) and, for a directory, everything below it. */
  static void addTree(Path path, String rel, List<LayerEntry> out) throws IOException {
    LayerEntry e = entry(path, rel, attributes(path));
    if (e == null) {
      return;
    }
    out.add(e);
    if (e.type() == LayerEntry.Type.DIRECTORY) {
      addChildren(path, rel + "/", out);
    }
  }

  private static void addChildren(Path dir, String prefix, List<LayerEntry> out) throws IOException {
    for (String name : childNames(dir)) {
      addTree(dir.resolve(name), prefix + name, out);
    }
  }

  static List<String> childNames(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        names.add(p.getFileName().toString());
      }
    }
    return names;
  }

  static Map<String, Object> attributes(Path p) throws IOException {
    return Files.readAttributes(p, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
  }

  static int fileType(Map<String, Object> attrs) {
    return (Integer) attrs.get("mode") & S_IFMT;
  }

  /** The entry for one path, or null for a socket, which tar cannot hold. */
  static LayerEntry entry(Path p, String rel, Map<String, Object> a) throws IOException {
    int rawMode = (Integer) a.get("mode");
    long rdev = (Long) a.get("rdev");
    LayerEntry.Type type;
    switch (rawMode & S_IFMT) {
      case S_IFREG -> type = LayerEntry.Type.FILE;
      case S_IFDIR -> type = LayerEntry.Type.DIRECTORY;
      case S_IFLNK -> type = LayerEntry.Type.SYMLINK;
      case S_IFCHR -> type = LayerEntry.Type.CHAR_DEVICE;
      case S_IFBLK -> type = LayerEntry.Type.BLOCK_DEVICE;
      case S_IFIFO -> type = LayerEntry.Type.FIFO;
      default -> {
        return null;
      }
    }
    boolean device = type == LayerEntry.Type.CHAR_DEVICE || type == LayerEntry.Type.BLOCK_DEVICE;
    LayerEntry.FileKey key = null;
    if (type == LayerEntry.Type.FILE && (Integer) a.get("nlink") > 1) {
      key = new LayerEntry.FileKey((Long) a.get("dev"), (Long) a.get("ino"));
    }
    return LayerEntry.fromFileSystem(
        rel,
        type,
        rawMode & 07777,
        ((Integer) a.get("uid")).longValue() & 0xffffffffL,
        ((Integer) a.get("gid")).longValue() & 0xffffffffL,
        ((FileTime) a.get("lastModifiedTime")).toInstant(),
        type == LayerEntry.Type.FILE ? (Long) a.get("size") : 0,
        type == LayerEntry.Type.SYMLINK ? Files.readSymbolicLink(p).toString() : "",
        device ? major(rdev) : 0,
        device ? minor(rdev) : 0,
        type == LayerEntry.Type.FILE || type == LayerEntry.Type.DIRECTORY
            ? userXattrs(p)
            : Collections.emptySortedMap(),
        type == LayerEntry.Type.FILE ? p : null,
        key);
  }

  /** glibc's {@code gnu_dev_major}. */
  static int major(long rdev) {
    return (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
  }

  /** glibc's {@code gnu_dev_minor}. */
  static int minor(long rdev) {
    return (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
  }

  /**
   * The {@code user.*} extended attributes of a file or directory, by full name; empty where the file system has
   * none or does not support them. The JDK offers no way to read other namespaces such as {@code security.*}.
   */
  static SortedMap<String, byte[]> userXattrs(Path p) throws IOException {
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return Collections.emptySortedMap();
    }
    List<String> names;
    try {
      names = view.list();
    } catch (UnsupportedOperationException | FileSystemException e) {
      return Collections.emptySortedMap();
    }
    if (names.isEmpty()) {
      return Collections.emptySortedMap();
    }
    SortedMap<String, byte[]> out = new TreeMap<>();
    for (String name : names) {
      ByteBuffer buf = ByteBuffer.allocate(view.size(name));
      view.read(name, buf);
      out.put("user." + name, buf.array());
    }
    return Collections.unmodifiableSortedMap(out);
  }
}
