package dev.ferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Describes a directory tree as a map from relative path to what a container would see there, so that two trees
 * unpacked by different tools compare with one {@code isEqualTo}. Stateless.
 */
final class Trees {
  private Trees() {}

  /**
   * What is at one path: type, permission bits (with setuid, setgid, sticky), owner, then the SHA-256 of a file's
   * content or a symlink's target, and for a regular file with several links the first path (in sort order) of its
   * hard-link group.
   */
  record Node(String type, String mode, long uid, long gid, String content, String linkGroup) {
    @Override
    public String toString() {
      return type + " " + mode + " " + uid + ":" + gid + " " + content + (linkGroup.isEmpty() ? "" : " =" + linkGroup);
    }
  }

  /** Every path below {@code root} (the root itself excluded), sorted. */
  static Map<String, Node> describe(Path root) throws IOException {
    Map<String, Node> nodes = new TreeMap<>();
    Map<String, List<String>> groups = new HashMap<>();
    List<Path> paths;
    try (Stream<Path> s = Files.walk(root)) {
      paths = s.filter(p -> !p.equals(root)).sorted().toList();
    }
    Map<String, String> inodeOf = new TreeMap<>();
    for (Path p : paths) {
      String rel = root.relativize(p).toString();
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,nlink,ino,dev", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      long uid = ((Number) a.get("uid")).longValue();
      long gid = ((Number) a.get("gid")).longValue();
      String type;
      String content;
      String perms = String.format("%04o", mode & 07777);
      if (Files.isSymbolicLink(p)) {
        type = "symlink";
        content = Files.readSymbolicLink(p).toString();
        perms = "-"; // Linux ignores a symlink's own mode
      } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        type = "dir";
        content = "";
      } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        type = "file";
        content = sha256(p);
        if ((Integer) a.get("nlink") > 1) {
          String key = a.get("dev") + ":" + a.get("ino");
          inodeOf.put(rel, key);
          groups.computeIfAbsent(key, k -> new ArrayList<>()).add(rel);
        }
      } else {
        type = "other:" + Integer.toOctalString(mode & 0170000);
        content = "";
      }
      nodes.put(rel, new Node(type, perms, uid, gid, content, ""));
    }
    for (Map.Entry<String, String> e : inodeOf.entrySet()) {
      String first = groups.get(e.getValue()).stream().sorted().findFirst().orElseThrow();
      Node n = nodes.get(e.getKey());
      nodes.put(e.getKey(), new Node(n.type(), n.mode(), n.uid(), n.gid(), n.content(), first));
    }
    return nodes;
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
