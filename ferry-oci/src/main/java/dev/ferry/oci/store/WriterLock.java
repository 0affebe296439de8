package dev.ferry.oci.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The store's writer/collector lock: any number of writers (threads or processes) share it, and garbage collection
 * takes it alone, so gc never deletes a blob that a writer has stored but not yet named. Thread-safe.
 *
 * <p>Within the JVM a read-write lock does the work; across processes one OS file lock, shared while at least one
 * thread here writes and exclusive for gc.
 */
final class WriterLock {
  private static final ConcurrentHashMap<Path, WriterLock> LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final ReentrantReadWriteLock local = new ReentrantReadWriteLock();
  private int sharedHolders;
  private FileChannel sharedChannel;
  private FileLock sharedLock;

  private WriterLock(Path file) {
    this.file = file;
  }

  static WriterLock of(Path file) {
    return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), WriterLock::new);
  }

  StoreLock.Held shared() throws IOException {
    local.readLock().lock();
    try {
      synchronized (this) {
        if (sharedHolders == 0) {
          // A shared lock needs a readable channel (FileChannel.lock throws NonReadableChannelException otherwise).
          sharedChannel =
              FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
          try {
            sharedLock = sharedChannel.lock(0, Long.MAX_VALUE, true);
          } catch (IOException | RuntimeException e) {
            sharedChannel.close();
            throw e;
          }
        }
        sharedHolders++;
      }
    } catch (IOException | RuntimeException e) {
      local.readLock().unlock();
      throw e;
    }
    return () -> {
      try {
        synchronized (this) {
          if (--sharedHolders == 0) {
            try {
              sharedLock.release();
            } finally {
              sharedChannel.close();
            }
          }
        }
      } finally {
        local.readLock().unlock();
      }
    };
  }

  StoreLock.Held exclusive() throws IOException {
    local.writeLock().lock();
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock fl = ch.lock(0, Long.MAX_VALUE, false);
      FileChannel channel = ch;
      return () -> {
        try {
          fl.release();
          channel.close();
        } finally {
          local.writeLock().unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      local.writeLock().unlock();
      throw e;
    }
  }
}
