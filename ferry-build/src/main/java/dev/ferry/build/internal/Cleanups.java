package dev.ferry.build.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cleanup actions (runc containers, overlay mounts, work directories) that must run even when the JVM is stopped by
 * Ctrl-C: each is registered while its resource exists and run by one shutdown hook if the process exits first.
 * Thread-safe.
 */
final class Cleanups {
  private static final Map<Long, Runnable> PENDING = new ConcurrentHashMap<>();
  private static final AtomicLong IDS = new AtomicLong();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Cleanups::runAll, "ferry-build-cleanup"));
  }

  private Cleanups() {}

  /** A registered action; {@link #close} runs it now and unregisters it. */
  static final class Handle implements AutoCloseable {
    private final long id;

    private Handle(long id) {
      this.id = id;
    }

    @Override
    public void close() {
      Runnable r = PENDING.remove(id);
      if (r != null) {
        r.run();
      }
    }
  }

  static Handle register(Runnable action) {
    long id = IDS.incrementAndGet();
    PENDING.put(id, action);
    return new Handle(id);
  }

  /** Latest registered first, so that a container goes before the mount under it. */
  private static void runAll() {
    PENDING.keySet().stream().sorted(java.util.Comparator.reverseOrder()).forEach(id -> {
      Runnable r = PENDING.remove(id);
      if (r != null) {
        try {
          r.run();
        } catch (RuntimeException e) {
          // best effort while the JVM goes down
        }
      }
    });
  }
}
