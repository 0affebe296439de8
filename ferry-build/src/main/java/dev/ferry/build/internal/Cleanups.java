package dev.ferry.build.internal;

import java.io.IOException;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cleanup actions (runc containers, overlay mounts, work directories) that must run even when the JVM is stopped by
 * Ctrl-C (SIGINT) or SIGTERM: each is registered while its resource exists and run by one shutdown hook if the
 * process exits first. Thread-safe.
 *
 * <p>A resource is created and its cleanup registered in one step ({@link #register(Action, Runnable)}) under the
 * same lock the shutdown hook holds while it runs the pending actions. So once the hook has started, no build thread
 * can create a mount or start a container that nothing would remove: it gets an {@link IOException} instead. (SIGKILL
 * runs no hook; what it leaves under the store's {@code .ferry/build} — the work directory, a mount, a container —
 * {@code ferry gc} removes through {@link WorkDirs#cleanDead}.)
 */
public final class Cleanups {
  private static final Object LOCK = new Object();
  private static final Map<Long, Runnable> PENDING = new ConcurrentHashMap<>();
  private static final AtomicLong IDS = new AtomicLong();
  private static volatile boolean exiting;

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Cleanups::runAll, "ferry-build-cleanup"));
  }

  private Cleanups() {}

  /** Creates a resource; may throw. */
  @FunctionalInterface
  public interface Action {
    void run() throws IOException;
  }

  /** A registered action; {@link #close} runs it now and unregisters it. */
  public static final class Handle implements AutoCloseable {
    private final long id;

    private Handle(long id) {
      this.id = id;
    }

    @Override
    public void close() {
      synchronized (LOCK) {
        Runnable r = PENDING.remove(id);
        if (r != null) {
          r.run();
        }
      }
    }
  }

  /**
   * Runs {@code create} and registers {@code cleanup} for what it made, unless the JVM is exiting.
   *
   * @throws IOException from {@code create} (nothing is registered then), or when the JVM is exiting (nothing is
   *     created)
   */
  public static Handle register(Action create, Runnable cleanup) throws IOException {
    synchronized (LOCK) {
      if (exiting) {
        throw new IOException("interrupted: Ferry is exiting (Ctrl-C or SIGTERM); the build was stopped");
      }
      create.run();
      long id = IDS.incrementAndGet();
      PENDING.put(id, cleanup);
      return new Handle(id);
    }
  }

  /** Registers {@code cleanup} for a resource that exists already or that the caller makes right after. */
  static Handle register(Runnable cleanup) throws IOException {
    return register(() -> {}, cleanup);
  }

  /** Latest registered first, so that a container goes before the mount under it and both before the work dir. */
  private static void runAll() {
    synchronized (LOCK) {
      exiting = true;
      PENDING.keySet().stream().sorted(Comparator.reverseOrder()).forEach(id -> {
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
}
