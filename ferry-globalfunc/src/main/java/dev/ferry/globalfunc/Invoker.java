package dev.ferry.globalfunc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves names to published versions and calls them through a pool of workers per version. A resolved alias is
 * cached for {@link #ALIAS_TTL_NANOS} so that a call does not query the catalog each time (the original design's
 * fresh lookup per call); a pinned version is cached for good, since versions never change. Thread-safe.
 */
public final class Invoker implements AutoCloseable {
  /** How long a branch alias resolution is reused: a publish is seen by a running gateway within a second. */
  static final long ALIAS_TTL_NANOS = 1_000_000_000L;

  /**
   * What a call returned.
   *
   * @param resultJson the function's return value as JSON text
   * @param stdout what the function printed
   */
  public record Result(String key, String version, String resultJson, String stdout, long nanos) {}

  private record Cached(FunctionRecord function, long expires) {}

  private final Catalog catalog;
  private final WorkerSettings settings;
  private final Metrics metrics;
  private final String defaultSpace;
  private final String defaultBranch;
  private final Map<String, Cached> resolved = new ConcurrentHashMap<>();
  private final Map<String, WorkerPool> pools = new ConcurrentHashMap<>();
  private final java.util.concurrent.ScheduledExecutorService reaper;

  public Invoker(Catalog catalog, WorkerSettings settings, Metrics metrics, String defaultSpace, String defaultBranch) {
    this.catalog = catalog;
    this.settings = settings;
    this.metrics = metrics;
    this.defaultSpace = defaultSpace;
    this.defaultBranch = defaultBranch;
    this.reaper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ferry-pool-reaper");
      t.setDaemon(true);
      return t;
    });
    reaper.scheduleWithFixedDelay(() -> reap(System.nanoTime() - POOL_IDLE_NANOS), 30, 30, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Pools of versions that no alias points at are closed after this long without calls (pinned callers come back). */
  static final long POOL_IDLE_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

  /**
   * Closes the pools idle since {@code cutoff} whose version is not what an alias resolved to last: after a publish
   * the old version's workers go, the current version's warm workers stay.
   */
  int reap(long cutoff) {
    java.util.Set<String> current = new java.util.HashSet<>();
    resolved.forEach((k, c) -> {
      if (k.endsWith("@")) { // alias resolutions (no pinned version)
        current.add(c.function().key() + "@" + c.function().sha256());
      }
    });
    int n = 0;
    for (Map.Entry<String, WorkerPool> e : pools.entrySet()) {
      if (!current.contains(e.getKey()) && e.getValue().closeIfIdleSince(cutoff)) {
        pools.remove(e.getKey(), e.getValue());
        n++;
      }
    }
    return n;
  }

  public Catalog catalog() {
    return catalog;
  }

  public Metrics metrics() {
    return metrics;
  }

  public String defaultSpace() {
    return defaultSpace;
  }

  public String defaultBranch() {
    return defaultBranch;
  }

  /** The pools by {@code key@version}. */
  public Map<String, WorkerPool> pools() {
    return Map.copyOf(pools);
  }

  /**
   * The version {@code name} refers to: the one pinned by {@code version} (a hash prefix) if given, else the one the
   * alias of {@code branch} (default: the invoker's) points at.
   *
   * @throws FunctionException 400 for a malformed name, 404 (with close names) for an unknown one
   */
  public FunctionRecord resolve(String name, String version, String branch) throws FunctionException {
    String b = branch == null || branch.isEmpty() ? defaultBranch : branch;
    String v = version == null ? "" : version;
    String cacheKey = name + "@" + b + "@" + v;
    Cached c = resolved.get(cacheKey);
    long now = System.nanoTime();
    if (c != null && (!v.isEmpty() || now - c.expires() < 0)) {
      return c.function();
    }
    String key;
    try {
      key = FunctionKeys.resolve(name, defaultSpace, b);
    } catch (IllegalArgumentException e) {
      throw new FunctionException(400, "BadRequest", e.getMessage(), FunctionException.Phase.LOAD);
    }
    Optional<FunctionRecord> found;
    try {
      found = v.isEmpty() ? catalog.current(key) : catalog.version(key, v);
    } catch (IllegalArgumentException e) {
      throw new FunctionException(400, "BadRequest", e.getMessage(), FunctionException.Phase.LOAD);
    } catch (IOException e) {
      throw new FunctionException(503, "CatalogUnavailable", e.getMessage(), FunctionException.Phase.LOAD);
    }
    if (found.isEmpty()) {
      throw notFound(name, key, v, b);
    }
    resolved.put(cacheKey, new Cached(found.get(), now + ALIAS_TTL_NANOS));
    return found.get();
  }

  private FunctionException notFound(String name, String key, String version, String branch) {
    List<String> close = List.of();
    String hint = "";
    try {
      if (version.isEmpty() && catalog.head(key).isPresent()) {
        hint = "; it was scanned but never published: ferry func publish";
      } else if (!version.isEmpty() && catalog.current(key).isPresent()) {
        hint = "; ferry func history " + key + " lists its versions";
      }
      String space = FunctionKeys.spaceOf(key);
      String tier2Suffix = "_" + branch + ".";
      List<String> candidates = new ArrayList<>();
      for (String k : catalog.keys(space)) {
        String[] parts = k.split("\\.");
        // on the same branch, offer the short pack_func a user would type
        candidates.add(parts.length == 3 && (parts[1] + ".").endsWith(tier2Suffix)
            ? parts[1].substring(0, parts[1].length() - branch.length() - 1) + "." + parts[2]
            : k);
      }
      close = FunctionKeys.closest(name, candidates, 5);
    } catch (IOException e) {
      // no suggestions without the catalog; the 404 stands
    }
    String msg =
        "no function " + key + (version.isEmpty() ? "" : " at version " + version) + hint
            + (close.isEmpty() || !hint.isEmpty() ? "" : "; close names: " + String.join(", ", close));
    return new FunctionException(404, "NotFound", msg, "", FunctionException.Phase.LOAD, Map.of("close", close));
  }

  /**
   * Calls {@code function} with JSON {@code argsJson} (an array, or empty) and {@code kwargsJson} (an object, or
   * empty).
   */
  public Result call(FunctionRecord function, String argsJson, String kwargsJson) throws FunctionException {
    JsonNode args;
    JsonNode kwargs;
    try {
      args = argsJson == null || argsJson.isBlank() ? PythonWorker.JSON.createArrayNode() : PythonWorker.JSON.readTree(argsJson);
      kwargs = kwargsJson == null || kwargsJson.isBlank() ? PythonWorker.JSON.createObjectNode() : PythonWorker.JSON.readTree(kwargsJson);
    } catch (IOException e) {
      throw new FunctionException(400, "BadRequest", "arguments are not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), FunctionException.Phase.RUN);
    }
    return call(function, args, kwargs);
  }

  Result call(FunctionRecord function, JsonNode args, JsonNode kwargs) throws FunctionException {
    if (args.isNull() || args.isMissingNode()) {
      args = PythonWorker.JSON.createArrayNode();
    }
    if (kwargs.isNull() || kwargs.isMissingNode()) {
      kwargs = PythonWorker.JSON.createObjectNode();
    }
    if (!(args instanceof ArrayNode)) {
      throw new FunctionException(400, "BadRequest", "args must be a JSON array, got " + args.getNodeType().name().toLowerCase(java.util.Locale.ROOT), FunctionException.Phase.RUN);
    }
    if (!(kwargs instanceof ObjectNode)) {
      throw new FunctionException(400, "BadRequest", "kwargs must be a JSON object, got " + kwargs.getNodeType().name().toLowerCase(java.util.Locale.ROOT), FunctionException.Phase.RUN);
    }
    if (!function.error().isEmpty()) {
      throw new FunctionException(500, "LoadError", function.key() + " cannot be loaded: " + function.error(), FunctionException.Phase.LOAD);
    }
    long start = System.nanoTime();
    String poolKey = function.key() + "@" + function.sha256();
    WorkerPool pool = pools.computeIfAbsent(poolKey, k -> new WorkerPool(function, settings, metrics));
    if (pool.closed()) {
      // reaped between the lookup and now: a fresh pool serves the call
      pools.remove(poolKey, pool);
      pool = pools.computeIfAbsent(poolKey, k -> new WorkerPool(function, settings, metrics));
    }
    try {
      JsonNode answer = pool.call(args, kwargs);
      long nanos = System.nanoTime() - start;
      metrics.call(function.key(), "", nanos);
      return new Result(function.key(), function.sha256(), answer.path("result_json").asText("null"), answer.path("stdout").asText(""), nanos);
    } catch (FunctionException e) {
      metrics.call(function.key(), e.type(), System.nanoTime() - start);
      throw e;
    }
  }

  /** Starts {@code minWarm} workers of {@code function} now, so that its first call is warm. */
  public void warm(FunctionRecord function) {
    pools.computeIfAbsent(function.key() + "@" + function.sha256(), k -> new WorkerPool(function, settings, metrics));
  }

  /** Waits until the pool of {@code function} has {@code n} idle workers, at most {@code seconds}. */
  public boolean awaitWarm(FunctionRecord function, int n, long seconds) throws InterruptedException {
    WorkerPool p = pools.get(function.key() + "@" + function.sha256());
    return p != null && p.awaitIdle(n, seconds);
  }

  @Override
  public void close() {
    reaper.shutdownNow();
    pools.values().forEach(WorkerPool::close);
    pools.clear();
  }
}
