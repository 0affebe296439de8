package dev.ferry.globalfunc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How function workers are run. Immutable.
 *
 * @param python the interpreter ({@code python3} on PATH by default)
 * @param minWarm workers started ahead of the first call, and kept, per function version
 * @param maxWorkers most workers per function version (each runs one call at a time)
 * @param maxQueue calls that may wait for a worker per function version; one more is refused (HTTP 429)
 * @param deadline longest a call may run; then its worker is killed and replaced
 * @param memoryLimit address-space limit of each worker in bytes ({@code RLIMIT_AS}), 0 for none
 * @param importPath a directory put on the worker's {@code sys.path} (the repository, so that functions may import
 *     their package's siblings), if any
 * @param environment variables added to the workers' environment ({@code TZ}, {@code CUDA_VISIBLE_DEVICES}, …)
 */
public record WorkerSettings(
    String python, int minWarm, int maxWorkers, int maxQueue, Duration deadline, long memoryLimit, Optional<Path> importPath, Map<String, String> environment) {

  public WorkerSettings {
    Objects.requireNonNull(python, "python");
    if (minWarm < 0 || maxWorkers < 1 || minWarm > maxWorkers) {
      throw new IllegalArgumentException("workers need 0 <= min-warm <= max and max >= 1, got min-warm " + minWarm + ", max " + maxWorkers);
    }
    if (maxQueue < 0) {
      throw new IllegalArgumentException("queue must be >= 0, got " + maxQueue);
    }
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    if (memoryLimit < 0) {
      throw new IllegalArgumentException("memory limit must be >= 0, got " + memoryLimit);
    }
    Objects.requireNonNull(importPath, "importPath");
    environment = Map.copyOf(environment);
  }

  /** python3, no warm workers, 4 per version, a queue of 64, 60 s deadline, no memory limit. */
  public static WorkerSettings defaults() {
    return new WorkerSettings("python3", 0, 4, 64, Duration.ofSeconds(60), 0, Optional.empty(), Map.of());
  }

  public WorkerSettings withPython(String p) {
    return new WorkerSettings(p, minWarm, maxWorkers, maxQueue, deadline, memoryLimit, importPath, environment);
  }

  public WorkerSettings withPool(int min, int max, int queue) {
    return new WorkerSettings(python, min, max, queue, deadline, memoryLimit, importPath, environment);
  }

  public WorkerSettings withDeadline(Duration d) {
    return new WorkerSettings(python, minWarm, maxWorkers, maxQueue, d, memoryLimit, importPath, environment);
  }

  public WorkerSettings withMemoryLimit(long bytes) {
    return new WorkerSettings(python, minWarm, maxWorkers, maxQueue, deadline, bytes, importPath, environment);
  }

  public WorkerSettings withImportPath(Optional<Path> p) {
    return new WorkerSettings(python, minWarm, maxWorkers, maxQueue, deadline, memoryLimit, p, environment);
  }

  public WorkerSettings withEnvironment(Map<String, String> env) {
    return new WorkerSettings(python, minWarm, maxWorkers, maxQueue, deadline, memoryLimit, importPath, env);
  }
}
