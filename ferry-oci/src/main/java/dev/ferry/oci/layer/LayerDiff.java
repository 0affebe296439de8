package dev.ferry.oci.layer;

import static dev.ferry.oci.layer.FileSystemEntries.S_IFDIR;
import static dev.ferry.oci.layer.FileSystemEntries.S_IFLNK;
import static dev.ferry.oci.layer.FileSystemEntries.S_IFREG;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Finds the changes that turn a lower directory tree into an upper one (the upper being a copy of the lower after,
 * say, a {@code RUN} step) as layer entries with whiteouts. Stateless and thread-safe.
 *
 * <p>Two paths are the same when their type, permission bits, numeric owner, modification time to the nanosecond,
 * {@code user.*} xattrs and, by type, size (files), target (symlinks) or device number agree; file content is
 * not read. A tool that rewrites a file and restores its size and time to the nanosecond defeats this, as it
 * does {@code rsync} and overlayfs-based builders. Directory sizes are ignored.
 *
 * <ul>
 *   <li>added or changed paths are emitted with everything below them when they are new directories;
 *   <li>a path that only the lower tree has becomes a {@code .wh.<name>} whiteout;
 *   <li>a path whose type changed (file to directory or back) is emitted as the new object; extraction replaces
 *       the old one;
 *   <li>a directory in both trees of which no lower child survives while new children exist becomes an opaque
 *       directory ({@code .wh..wh..opq}) followed by its new children.
 * </ul>
 *
 * <p>Hard links between emitted files stay hard links; a link to an unchanged file is written as a full copy.
 */
public final class LayerDiff {
  private LayerDiff() {}

  /** The entries, unsorted, that turn {@code lower} into {@code upper}. */
  public static List<LayerEntry> changes(Path lower, Path upper) throws IOException {
    Objects.requireNonNull(lower, "lower");
    Objects.requireNonNull(upper, "upper");
    for (Path p : List.of(lower, upper)) {
      if (!Files.isDirectory(p)) {
        throw new IOException("layer diff needs two directories, got " + p);
      }
    }
    List<LayerEntry> out = new ArrayList<>();
    compareChildren(lower, upper, "", out);
    return out;
  }

  private static void compareChildren(Path lower, Path upper, String prefix, List<LayerEntry> out)
      throws IOException {
    TreeSet<String> lowerNames = new TreeSet<>(FileSystemEntries.childNames(lower));
    TreeSet<String> upperNames = new TreeSet<>(FileSystemEntries.childNames(upper));
    // The root cannot be marked opaque in a tar, so there each lost lower child gets its own whiteout.
    if (!prefix.isEmpty()
        && !lowerNames.isEmpty()
        && !upperNames.isEmpty()
        && Collections.disjoint(lowerNames, upperNames)) {
      out.add(LayerEntry.opaqueWhiteout(prefix));
      for (String name : upperNames) {
        FileSystemEntries.addTree(upper.resolve(name), prefix + name, out);
      }
      return;
    }
    for (String name : lowerNames) {
      if (!upperNames.contains(name)) {
        out.add(LayerEntry.whiteout(prefix + name));
      }
    }
    for (String name : upperNames) {
      Path u = upper.resolve(name);
      if (!lowerNames.contains(name)) {
        FileSystemEntries.addTree(u, prefix + name, out);
        continue;
      }
      Path l = lower.resolve(name);
      Map<String, Object> la = FileSystemEntries.attributes(l);
      Map<String, Object> ua = FileSystemEntries.attributes(u);
      int type = FileSystemEntries.fileType(ua);
      if (type != FileSystemEntries.fileType(la)) {
        FileSystemEntries.addTree(u, prefix + name, out);
      } else if (type == S_IFDIR) {
        if (!sameMetadata(l, la, u, ua, type)) {
          out.add(FileSystemEntries.entry(u, prefix + name, ua));
        }
        compareChildren(l, u, prefix + name + "/", out);
      } else if (!sameMetadata(l, la, u, ua, type)) {
        LayerEntry e = FileSystemEntries.entry(u, prefix + name, ua);
        if (e != null) {
          out.add(e);
        }
      }
    }
  }

  private static boolean sameMetadata(Path l, Map<String, Object> la, Path u, Map<String, Object> ua, int type)
      throws IOException {
    for (String key : List.of("mode", "uid", "gid", "lastModifiedTime", "rdev")) {
      if (!la.get(key).equals(ua.get(key))) {
        return false;
      }
    }
    if (type == S_IFREG && !la.get("size").equals(ua.get("size"))) {
      return false;
    }
    if (type == S_IFLNK) {
      return Files.readSymbolicLink(l).equals(Files.readSymbolicLink(u));
    }
    if (type == S_IFREG || type == S_IFDIR) {
      return sameXattrs(FileSystemEntries.userXattrs(l), FileSystemEntries.userXattrs(u));
    }
    return true;
  }

  private static boolean sameXattrs(SortedMap<String, byte[]> a, SortedMap<String, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : a.entrySet()) {
      if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
