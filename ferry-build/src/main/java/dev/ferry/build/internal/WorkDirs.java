package dev.ferry.build.internal;

import dev.ferry.build.BuildLeftovers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Build work directories under the store's {@code .ferry/build/}: each build's {@code <id>/} with a sibling
 * {@code <id>.lock} that the build holds an OS file lock on for as long as it runs, and the removal of what a build
 * killed with SIGKILL left behind (its runc containers, overlay mounts and directory), which only a build that no
 * longer holds its lock can have left. Thread-safe.
 *
 * <p>The lock is taken before the directory exists and released after it is gone, so a directory whose lock can be
 * taken belongs to a dead build. Within one JVM a lock held by another build shows as
 * {@link OverlappingFileLockException}, which counts as held.
 */
public final class WorkDirs {
  private static final String LOCK_SUFFIX = ".lock";

  private WorkDirs() {}

  /** A running build's work directory and its held lock; {@link #close} releases the lock. */
  public static final class Lease implements AutoCloseable {
    private final Path dir;
    private final Path lockFile;
    private final FileChannel channel;

    private Lease(Path dir, Path lockFile, FileChannel channel) {
      this.dir = dir;
      this.lockFile = lockFile;
      this.channel = channel;
    }

    /** The work directory (not created yet: the caller creates and removes it). */
    public Path dir() {
      return dir;
    }

    /** Removes the lock file; called once the directory is gone, also from the Ctrl-C hook. */
    public void deleteLockFile() {
      try {
        Files.deleteIfExists(lockFile);
      } catch (IOException e) {
        // a stale lock file without its directory is removed by the next gc
      }
    }

    @Override
    public void close() throws IOException {
      deleteLockFile();
      channel.close(); // releases the lock
    }
  }

  /** Picks a fresh work directory under {@code buildRoot} and takes its lock; the directory is not created. */
  public static Lease lease(Path buildRoot) throws IOException {
    Files.createDirectories(buildRoot);
    String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    Path lockFile = buildRoot.resolve(id + LOCK_SUFFIX);
    FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      ch.lock();
      ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(lockFile);
      throw e;
    }
    return new Lease(buildRoot.resolve(id), lockFile, ch);
  }

  /**
   * Removes the work directories under {@code buildRoot} whose build is dead (no process holds their lock): first
   * their runc containers ({@code runc --root R delete -f}, which also stops processes still running in them), then
   * every mount under them, deepest first, then the directory (never crossing into a mount); stale lock files go too.
   * A running build's directory is never touched.
   *
   * @param runc the runc executable
   */
  public static BuildLeftovers.Result cleanDead(Path buildRoot, String runc, boolean dryRun) throws IOException {
    int dirs = 0;
    int mounts = 0;
    int containers = 0;
    List<String> problems = new ArrayList<>();
    if (!Files.isDirectory(buildRoot)) {
      return new BuildLeftovers.Result(0, 0, 0, List.of());
    }
    List<Path> entries;
    try (Stream<Path> s = Files.list(buildRoot)) {
      entries = s.sorted().toList();
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      boolean lockOnly = name.endsWith(LOCK_SUFFIX);
      if (lockOnly && Files.isDirectory(buildRoot.resolve(name.substring(0, name.length() - LOCK_SUFFIX.length())))) {
        continue; // handled with its directory
      }
      Path dir = lockOnly ? null : entry;
      if (dir != null && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      Path lockFile = lockOnly ? entry : buildRoot.resolve(name + LOCK_SUFFIX);
      boolean hadLockFile = Files.exists(lockFile);
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          continue; // a build of this JVM holds it
        }
        if (lock == null) {
          continue; // a running build (another process) holds it
        }
        if (dir != null) {
          Path real = dir.toRealPath();
          List<Path> runcRoots = runcRoots(real);
          for (Path root : runcRoots) {
            for (String id : containers(root)) {
              containers++;
              if (!dryRun) {
                Exec.quietly(List.of(runc, "--root", root.toString(), "delete", "-f", id));
              }
            }
          }
          List<Path> under = mountsUnder(real);
          mounts += under.size();
          if (!dryRun) {
            for (Path m : under) {
              try {
                Exec.run(List.of("umount", m.toString()));
              } catch (IOException busy) {
                Exec.quietly(List.of("umount", "-l", m.toString()));
              }
            }
            List<Path> left = mountsUnder(real);
            if (!left.isEmpty()) {
              problems.add("build work directory " + dir + " kept: still mounted at " + left.get(0)
                  + "; unmount it (umount -l) and run ferry gc again");
              continue;
            }
            Exec.run(List.of("rm", "-rf", "--one-file-system", real.toString()));
          }
          dirs++;
        }
        if (!dryRun || !hadLockFile) {
          Files.deleteIfExists(lockFile);
        }
      }
    }
    return new BuildLeftovers.Result(dirs, mounts, containers, problems);
  }

  /** The runc state roots of a work directory's RUN steps ({@code <work>/run-*}{@code /runc}). */
  private static List<Path> runcRoots(Path work) throws IOException {
    try (Stream<Path> s = Files.list(work)) {
      return s.map(d -> d.resolve("runc")).filter(r -> Files.isDirectory(r, LinkOption.NOFOLLOW_LINKS)).sorted()
          .toList();
    }
  }

  /** The ids of the containers in runc state root {@code root}: its subdirectories, as {@code runc list} reads them. */
  private static List<String> containers(Path root) throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)).map(d -> d.getFileName().toString())
          .sorted().toList();
    }
  }

  /** Mount points at or below {@code dir} in this process's mount namespace, deepest first. */
  static List<Path> mountsUnder(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      // mountinfo(5): id parent major:minor root mount-point options ...
      String[] f = line.split(" ");
      if (f.length > 4) {
        Path point = Path.of(unescape(f[4]));
        if (point.startsWith(dir)) {
          out.add(point);
        }
      }
    }
    out.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    return out;
  }

  /** Undoes the kernel's octal escapes in mountinfo paths ({@code \040} for a space, and tab, newline, backslash). */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
