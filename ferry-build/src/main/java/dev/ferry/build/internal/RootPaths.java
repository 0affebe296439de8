package dev.ferry.build.internal;

import dev.ferry.build.BuildException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Paths inside a root filesystem as the container sees them: symlinks are followed with {@code /} meaning the root
 * and {@code ..} never climbing above it, as {@code chroot} would. Stateless.
 */
public final class RootPaths {
  /** Linux's own limit on symlinks followed while resolving one path. */
  private static final int MAX_HOPS = 40;

  private RootPaths() {}

  /**
   * The container path {@code path} leads to inside {@code root}, absolute and clean, with every symlink on the way
   * followed; the last component is followed too when {@code followLast}.
   */
  public static String resolve(Path root, String path, boolean followLast) throws IOException {
    Deque<String> todo = new ArrayDeque<>(split(path));
    List<String> done = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String c = todo.pop();
      if (c.equals("..")) {
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      Path p = root.resolve(String.join("/", done)).resolve(c);
      if (Files.isSymbolicLink(p) && (followLast || !todo.isEmpty())) {
        if (++hops > MAX_HOPS) {
          throw new BuildException("too many levels of symbolic links resolving " + path + " in the build's root");
        }
        String target = Files.readSymbolicLink(p).toString();
        if (target.startsWith("/")) {
          done.clear();
        }
        List<String> t = split(target);
        for (int i = t.size() - 1; i >= 0; i--) {
          todo.push(t.get(i));
        }
      } else {
        done.add(c);
      }
    }
    return "/" + String.join("/", done);
  }

  /** {@code path}'s components without empty and {@code .} ones. */
  public static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty() && !c.equals(".")) {
        out.add(c);
      }
    }
    return out;
  }

  /** {@code path} made absolute against {@code workdir} and cleaned (no {@code .}, {@code ..} or double slash). */
  public static String absolute(String workdir, String path) {
    String joined = path.startsWith("/") ? path : (workdir.isEmpty() ? "/" : workdir) + "/" + path;
    List<String> out = new ArrayList<>();
    for (String c : split(joined)) {
      if (c.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else {
        out.add(c);
      }
    }
    return "/" + String.join("/", out);
  }

  /** The host path of container path {@code abs} (already resolved) under {@code root}. */
  public static Path host(Path root, String abs) {
    String rel = abs.replaceFirst("^/+", "");
    return rel.isEmpty() ? root : root.resolve(rel);
  }
}
