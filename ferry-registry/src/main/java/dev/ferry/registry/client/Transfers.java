package dev.ferry.registry.client;

import dev.ferry.registry.client.internal.AdaptiveLimiter;
import dev.ferry.registry.client.internal.Parallel;
import java.io.IOException;
import java.util.List;

/**
 * Runs transfers the way the client runs its own blob transfers: on virtual threads, at most {@code parallelism}
 * at once, the first failure cancelling the rest. For callers that drive {@link RegistryClient#pushBlob} themselves
 * (bundle pushes). Stateless.
 */
public final class Transfers {
  private Transfers() {}

  /** One transfer. */
  @FunctionalInterface
  public interface Task<T> {
    void run(T item) throws IOException;
  }

  /** Runs {@code task} for every item and returns when all are done; throws the first failure. */
  public static <T> void forEach(List<T> items, int parallelism, Task<T> task) throws IOException {
    Parallel.forEach(items, new AdaptiveLimiter(Math.max(1, parallelism)), task::run);
  }
}
