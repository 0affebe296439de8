package dev.ferry.build.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Directory helpers for work trees. Stateless. */
final class Trees {
  private Trees() {}

  /** Whether any name below {@code dir} starts with {@code .wh.} (a whiteout or opaque marker of a layer tree). */
  static boolean hasWhiteouts(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith(".wh."));
    }
  }

  /**
   * Moves everything below {@code src} into {@code dst} as extracting a layer of {@code src} would apply it: a
   * directory present on both sides is merged and takes {@code src}'s mode, owner and time; anything else replaces
   * what {@code dst} has at that path. Both must be on one file system (entries are renamed, not copied) and
   * {@code src} must hold no whiteouts ({@link #hasWhiteouts}). {@code src} is left empty.
   */
  static void mergeInto(Path src, Path dst) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(src)) {
      children = s.sorted().toList();
    }
    for (Path child : children) {
      Path target = dst.resolve(child.getFileName().toString());
      if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        mergeInto(child, target);
        Map<String, Object> a = Files.readAttributes(child, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:uid", a.get("uid"), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", a.get("gid"), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:mode", (Integer) a.get("mode") & 07777, LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(target, (FileTime) a.get("lastModifiedTime"));
        Files.delete(child);
      } else {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          dev.ferry.oci.io.Trees.delete(target);
        } else {
          Files.deleteIfExists(target);
        }
        Files.move(child, target, StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  static boolean isEmptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
