package dev.ferry.oci.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Deleting directory trees: work directories, staging areas, temp directories. Links are removed, never followed;
 * what vanishes meanwhile (another process cleaning up too) is fine. Stateless.
 *
 * <p>Not for a tree that may have something mounted in it (a root filesystem an interrupted bootstrap left
 * {@code /proc} mounted in): {@code DebianBootstrap.deleteTree} in ferry-build refuses to cross a mount point.
 */
public final class Trees {
  private Trees() {}

  /** Removes {@code dir} (a directory, file or link) and everything below it; nothing when it is absent. */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
        if (exc instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw exc;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        if (exc != null && !(exc instanceof NoSuchFileException)) {
          throw exc;
        }
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * {@link #delete}, for clean-up after the real work (a temp directory left behind is harmless): returns whether
   * the tree is gone instead of throwing.
   */
  public static boolean deleteQuietly(Path dir) {
    try {
      delete(dir);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
