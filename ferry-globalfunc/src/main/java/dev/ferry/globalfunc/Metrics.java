package dev.ferry.globalfunc;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * Counters and latency histograms of function calls, written in the Prometheus text exposition format (version
 * 0.0.4). Thread-safe; recording a call is a few atomic adds.
 */
public final class Metrics {
  /** Histogram bucket upper bounds in seconds: 0.1 ms to 10 s. */
  static final double[] BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private static final class Histogram {
    final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length + 1);
    final LongAdder sumNanos = new LongAdder();
  }

  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> coldStarts = new ConcurrentHashMap<>();
  private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

  /** Records one finished call of {@code key}: its outcome ({@code ok} or an error type) and duration. */
  public void call(String key, String errorType, long nanos) {
    String outcome = errorType.isEmpty() ? "ok" : "error";
    calls.computeIfAbsent(labels("function", key, "outcome", outcome), k -> new LongAdder()).increment();
    if (!errorType.isEmpty()) {
      errors.computeIfAbsent(labels("function", key, "type", errorType), k -> new LongAdder()).increment();
    }
    Histogram h = latency.computeIfAbsent(key, k -> new Histogram());
    double s = nanos / 1e9;
    int i = 0;
    while (i < BUCKETS.length && s > BUCKETS[i]) {
      i++;
    }
    h.counts.incrementAndGet(i);
    h.sumNanos.add(nanos);
  }

  /** Records a worker started for {@code key} (a cold start). */
  public void coldStart(String key) {
    coldStarts.computeIfAbsent(labels("function", key), k -> new LongAdder()).increment();
  }

  /** Records an HTTP request answered with {@code status}. */
  public void request(String route, int status) {
    requests.computeIfAbsent(labels("route", route, "code", Integer.toString(status)), k -> new LongAdder()).increment();
  }

  /**
   * The exposition text; {@code pools} gives the gauges (queue depth, live and idle workers) of each pool by key.
   */
  public String render(Map<String, WorkerPool> pools) {
    StringBuilder b = new StringBuilder(4096);
    counter(b, "ferry_func_calls_total", "Function calls, by outcome.", calls);
    counter(b, "ferry_func_errors_total", "Failed function calls, by error type.", errors);
    counter(b, "ferry_func_cold_starts_total", "Workers started (each loads its function once).", coldStarts);
    counter(b, "ferry_http_requests_total", "HTTP requests, by route and status code.", requests);
    b.append("# HELP ferry_func_call_seconds Latency of function calls through the pool, queueing included.\n");
    b.append("# TYPE ferry_func_call_seconds histogram\n");
    for (Map.Entry<String, Histogram> e : new TreeMap<>(latency).entrySet()) {
      long cumulative = 0;
      String fn = escape(e.getKey());
      for (int i = 0; i <= BUCKETS.length; i++) {
        cumulative += e.getValue().counts.get(i);
        String le = i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf";
        b.append("ferry_func_call_seconds_bucket{function=\"").append(fn).append("\",le=\"").append(le).append("\"} ").append(cumulative).append('\n');
      }
      b.append("ferry_func_call_seconds_sum{function=\"").append(fn).append("\"} ").append(e.getValue().sumNanos.sum() / 1e9).append('\n');
      b.append("ferry_func_call_seconds_count{function=\"").append(fn).append("\"} ").append(cumulative).append('\n');
    }
    gauge(b, "ferry_func_queue_depth", "Calls waiting for a worker.", pools, WorkerPool::queued);
    gauge(b, "ferry_func_workers", "Live workers.", pools, WorkerPool::live);
    gauge(b, "ferry_func_workers_idle", "Idle workers.", pools, WorkerPool::idle);
    return b.toString();
  }

  private static void counter(StringBuilder b, String name, String help, Map<String, LongAdder> values) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(values).entrySet()) {
      b.append(name).append(e.getKey()).append(' ').append(e.getValue().sum()).append('\n');
    }
  }

  private static void gauge(StringBuilder b, String name, String help, Map<String, WorkerPool> pools, ToLongFunction<WorkerPool> f) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
    for (Map.Entry<String, WorkerPool> e : new TreeMap<>(pools).entrySet()) {
      WorkerPool p = e.getValue();
      b.append(name).append(labels("function", p.function().key(), "version", p.function().shortVersion())).append(' ').append(f.applyAsLong(p)).append('\n');
    }
  }

  private static String labels(String... kv) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < kv.length; i += 2) {
      if (i > 0) {
        b.append(',');
      }
      b.append(kv[i]).append("=\"").append(escape(kv[i + 1])).append('"');
    }
    return b.append('}').toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
