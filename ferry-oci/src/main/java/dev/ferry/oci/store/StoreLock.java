package dev.ferry.oci.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock held both across threads of this JVM and across processes (an OS file lock). Thread-safe.
 *
 * <p>Both are needed: {@link FileChannel#lock()} is per process, and a second lock attempt from the same JVM
 * throws instead of waiting.
 */
final class StoreLock {
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

  private StoreLock() {}

  /** A held lock; close to release. */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  static Held acquire(Path lockFile) throws IOException {
    Path key = lockFile.toAbsolutePath().normalize();
    ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
    local.lock();
    FileChannel ch = null;
    try {
      ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock fl = ch.lock();
      FileChannel channel = ch;
      return () -> {
        try {
          fl.release();
          channel.close();
        } finally {
          local.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      local.unlock();
      throw e;
    }
  }
}
