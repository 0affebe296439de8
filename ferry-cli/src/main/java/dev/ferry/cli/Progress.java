package dev.ferry.cli;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long operation on stderr: on a terminal a counter redrawn in place once the operation has run for
 * a second; otherwise one summary line at the end when it took longer than a second. Thread-safe.
 */
final class Progress implements AutoCloseable {
  private static final long SHOW_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final PrintWriter err;
  private final String label;
  private final boolean silent;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private final AtomicLong bytes = new AtomicLong();
  private final ScheduledExecutorService ticker;
  private volatile boolean drawn;

  Progress(PrintWriter err, String label, boolean quiet) {
    this.err = err;
    this.label = label;
    this.silent = quiet;
    this.terminal = !quiet && isTerminal();
    if (terminal) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "ferry-progress");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleAtFixedRate(this::draw, 1000, 250, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  /**
   * Whether stderr is an interactive terminal. Since JDK 22 {@code System.console()} is not null when the streams
   * are redirected, so its {@code isTerminal()} (JDK 22+, called reflectively: Ferry compiles for 21) decides.
   */
  static boolean isTerminal() {
    java.io.Console c = System.console();
    String term = System.getenv("TERM");
    if (c == null || term == null || term.equals("dumb")) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }

  void add(long n) {
    bytes.addAndGet(n);
  }

  private synchronized void draw() {
    double secs = (System.nanoTime() - start) / 1e9;
    err.print("\r" + label + " " + Bytes.human(bytes.get()) + " (" + Bytes.human((long) (bytes.get() / Math.max(secs, 1e-3))) + "/s)   ");
    err.flush();
    drawn = true;
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    if (silent) {
      return;
    }
    long elapsed = System.nanoTime() - start;
    if (drawn || elapsed >= SHOW_AFTER_NANOS) {
      double secs = elapsed / 1e9;
      err.print((drawn ? "\r" : "") + label + " " + Bytes.human(bytes.get()) + " in " + String.format("%.1fs", secs) + " (" + Bytes.human((long) (bytes.get() / Math.max(secs, 1e-3))) + "/s)        \n");
      err.flush();
    }
  }
}
