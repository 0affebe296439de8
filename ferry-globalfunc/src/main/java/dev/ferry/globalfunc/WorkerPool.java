package dev.ferry.globalfunc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The workers of one function version: each loaded the function once and runs one call at a time. Calls take an idle
 * worker, else start one (up to the maximum), else wait in a bounded queue; a full queue is refused with 429. A worker
 * that crashed, was killed at its deadline or broke the protocol is dropped and, below the warm minimum, replaced.
 * Thread-safe.
 */
public final class WorkerPool implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkerPool.class.getName());

  private final FunctionRecord function;
  private final WorkerSettings settings;
  private final Metrics metrics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  private final Deque<PythonWorker> idle = new ArrayDeque<>();
  private int live;
  private int queued;
  private boolean closed;
  /** A load failure is a property of the (immutable) code: remembered so each call does not start a worker for it. */
  private volatile FunctionException loadFailure;
  private volatile long lastUsed = System.nanoTime();

  WorkerPool(FunctionRecord function, WorkerSettings settings, Metrics metrics) {
    this.function = function;
    this.settings = settings;
    this.metrics = metrics;
    for (int i = 0; i < settings.minWarm(); i++) {
      Thread.ofVirtual().name("ferry-warm-" + function.name()).start(this::warmOne);
    }
  }

  public FunctionRecord function() {
    return function;
  }

  /** Calls waiting for a worker now. */
  public int queued() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }

  /** Workers alive or starting. */
  public int live() {
    lock.lock();
    try {
      return live;
    } finally {
      lock.unlock();
    }
  }

  /** Workers waiting for a call. */
  public int idle() {
    lock.lock();
    try {
      return idle.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs the function with {@code args} and {@code kwargs} (a JSON array and object) and returns the worker's answer
   * ({@code result} and {@code stdout}).
   *
   * @throws FunctionException with the envelope and HTTP status of the failure
   */
  public JsonNode call(JsonNode args, JsonNode kwargs) throws FunctionException {
    lastUsed = System.nanoTime();
    if (loadFailure != null) {
      throw loadFailure;
    }
    PythonWorker w = acquire();
    boolean keep = false;
    try {
      ObjectNode req = PythonWorker.JSON.createObjectNode().put("op", "call");
      req.set("args", args);
      req.set("kwargs", kwargs);
      JsonNode answer = w.request(req, settings.deadline());
      keep = true;
      if (!answer.path("ok").asBoolean()) {
        throw fromAnswer(answer);
      }
      return answer;
    } finally {
      release(w, keep && w.healthy());
    }
  }

  private PythonWorker acquire() throws FunctionException {
    long deadline = System.nanoTime() + settings.deadline().toNanos();
    lock.lock();
    try {
      while (true) {
        if (closed) {
          throw new FunctionException(503, "ShuttingDown", "the gateway is shutting down", FunctionException.Phase.RUN);
        }
        PythonWorker w = idle.pollFirst();
        if (w != null) {
          if (w.healthy()) {
            return w;
          }
          live--;
          w.close();
          continue;
        }
        if (live < settings.maxWorkers()) {
          live++;
          break;
        }
        if (queued >= settings.maxQueue()) {
          throw new FunctionException(
              429,
              "Overloaded",
              function.key() + " has " + live + " busy workers and " + queued + " queued calls; retry later",
              FunctionException.Phase.RUN);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new FunctionException(504, "DeadlineExceeded", "no worker of " + function.key() + " became free within the deadline", FunctionException.Phase.RUN);
        }
        queued++;
        try {
          available.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FunctionException(503, "Interrupted", "interrupted while waiting for a worker", FunctionException.Phase.RUN);
        } finally {
          queued--;
        }
      }
    } finally {
      lock.unlock();
    }
    // a slot is reserved (live was raised): start outside the lock
    try {
      return startLoaded();
    } catch (FunctionException e) {
      lock.lock();
      try {
        live--;
        available.signal();
      } finally {
        lock.unlock();
      }
      throw e;
    }
  }

  private void release(PythonWorker w, boolean keep) {
    boolean replace = false;
    lock.lock();
    try {
      if (keep && !closed) {
        idle.addFirst(w);
      } else {
        live--;
        replace = !closed && live < settings.minWarm();
        if (replace) {
          live++;
        }
      }
      available.signal();
    } finally {
      lock.unlock();
    }
    if (!keep || closed) {
      w.close();
    }
    if (replace) {
      Thread.ofVirtual().name("ferry-replace-" + function.name()).start(this::startReserved);
    }
  }

  private void warmOne() {
    lock.lock();
    try {
      if (closed || live >= settings.maxWorkers()) {
        return;
      }
      live++;
    } finally {
      lock.unlock();
    }
    startReserved();
  }

  /** Starts a worker into a slot already counted in {@code live}, and parks it idle. */
  private void startReserved() {
    PythonWorker w = null;
    try {
      w = startLoaded();
    } catch (FunctionException e) {
      LOG.log(Level.FINE, "warm worker for " + function.key() + " failed", e);
    }
    release0(w);
  }

  private void release0(PythonWorker w) {
    lock.lock();
    try {
      if (w != null && !closed) {
        idle.addFirst(w);
      } else {
        live--;
      }
      available.signal();
    } finally {
      lock.unlock();
    }
    if (w != null && closed) {
      w.close();
    }
  }

  private PythonWorker startLoaded() throws FunctionException {
    metrics.coldStart(function.key());
    PythonWorker w;
    try {
      w = PythonWorker.start(settings);
    } catch (IOException e) {
      throw new FunctionException(503, "WorkerStartFailed", e.getMessage(), FunctionException.Phase.LOAD);
    }
    ObjectNode load =
        PythonWorker.JSON.createObjectNode()
            .put("op", "load")
            .put("key", function.key() + "@" + function.shortVersion())
            .put("package", function.packageName())
            .put("name", function.name())
            .put("code", function.code());
    settings.importPath().ifPresent(p -> load.put("path", p.toString()));
    JsonNode answer;
    try {
      answer = w.request(load, settings.deadline());
    } catch (FunctionException e) {
      w.close();
      throw new FunctionException(e.status(), e.type(), "loading " + function.key() + ": " + e.getMessage(), e.traceback(), FunctionException.Phase.LOAD, e.details());
    }
    if (!answer.path("ok").asBoolean()) {
      w.close();
      FunctionException f = fromAnswer(answer);
      loadFailure = f;
      throw f;
    }
    return w;
  }

  /** The exception for a worker's {@code {"ok": false, "error": …}} answer. */
  FunctionException fromAnswer(JsonNode answer) {
    JsonNode e = answer.path("error");
    FunctionException.Phase phase = "load".equals(e.path("phase").asText()) ? FunctionException.Phase.LOAD : FunctionException.Phase.RUN;
    Map<String, Object> details = new HashMap<>();
    int status = 500;
    if (e.path("bad_arguments").asBoolean()) {
      status = 400;
      details.put("signature", function.name() + e.path("signature").asText(function.signature()));
    }
    if (e.has("result_type")) {
      details.put("result_type", e.path("result_type").asText());
    }
    if (answer.hasNonNull("stdout") && !answer.path("stdout").asText().isEmpty()) {
      details.put("stdout", answer.path("stdout").asText());
    }
    return new FunctionException(status, e.path("type").asText("Error"), e.path("message").asText(), e.path("traceback").asText(), phase, details);
  }

  /** Whether the pool is closed (a call on it is refused with 503 ShuttingDown). */
  boolean closed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Closes the pool if no call came since {@code cutoff} ({@link System#nanoTime()}) and none is running. */
  boolean closeIfIdleSince(long cutoff) {
    lock.lock();
    try {
      if (closed || lastUsed - cutoff > 0 || queued > 0 || idle.size() != live) {
        return false;
      }
    } finally {
      lock.unlock();
    }
    close();
    return true;
  }

  /** Stops every worker; calls waiting are refused. */
  @Override
  public void close() {
    Deque<PythonWorker> all;
    lock.lock();
    try {
      closed = true;
      all = new ArrayDeque<>(idle);
      live -= idle.size();
      idle.clear();
      available.signalAll();
    } finally {
      lock.unlock();
    }
    all.forEach(PythonWorker::close);
  }

  /** Waits until {@code n} workers are idle (tests and benchmarks), at most {@code seconds}. */
  boolean awaitIdle(int n, long seconds) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (idle() < n) {
      if (System.nanoTime() > until) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }
}
