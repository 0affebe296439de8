package dev.ferry.registry.client.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Runs blob transfers on virtual threads, as many at once as a limiter allows; the first failure cancels the rest. */
public final class Parallel {
  private Parallel() {}

  /** One transfer. */
  @FunctionalInterface
  public interface Task<T> {
    void run(T item) throws IOException;
  }

  public static <T> void forEach(List<T> items, AdaptiveLimiter limiter, Task<T> task) throws IOException {
    if (items.isEmpty()) {
      return;
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> {
          limiter.acquire();
          try {
            task.run(item);
          } finally {
            limiter.release();
          }
          return null;
        }));
      }
      IOException first = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (first == null) {
            first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
            futures.forEach(other -> other.cancel(true));
          }
        } catch (java.util.concurrent.CancellationException e) {
          // cancelled after another task failed
        } catch (InterruptedException e) {
          futures.forEach(other -> other.cancel(true));
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("transfers interrupted");
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }
}
