package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One progress bar per blob on a terminal, redrawn in place, as {@code docker pull} shows them. Thread-safe: blob
 * events come from several transfer threads.
 */
final class BlobBars implements AutoCloseable {
  private static final int BAR_WIDTH = 30;

  /** The state of one blob. */
  static final class Bar {
    final Digest digest;
    final long total;
    long done;
    String status = "waiting";

    Bar(Digest digest, long total) {
      this.digest = digest;
      this.total = total;
    }
  }

  private final PrintWriter err;
  private final String verb;
  private final Map<Digest, Bar> bars = new LinkedHashMap<>();
  private final ScheduledExecutorService ticker;
  private int linesDrawn;

  BlobBars(PrintWriter err, String verb) {
    this.err = err;
    this.verb = verb;
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ferry-bars");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleAtFixedRate(this::draw, 300, 200, TimeUnit.MILLISECONDS);
  }

  synchronized void started(Descriptor blob) {
    Bar b = bars.computeIfAbsent(blob.digest(), d -> new Bar(d, blob.size()));
    b.status = verb;
  }

  synchronized void transferred(Descriptor blob, long bytes) {
    Bar b = bars.computeIfAbsent(blob.digest(), d -> new Bar(d, blob.size()));
    b.done += bytes;
    b.status = verb;
  }

  synchronized void restarted(Descriptor blob) {
    Bar b = bars.get(blob.digest());
    if (b != null) {
      b.done = 0;
      b.status = "retrying";
    }
  }

  synchronized void finished(Descriptor blob, String status) {
    Bar b = bars.computeIfAbsent(blob.digest(), d -> new Bar(d, blob.size()));
    b.done = b.total;
    b.status = status;
  }

  private synchronized void draw() {
    List<String> lines = render(new ArrayList<>(bars.values()));
    StringBuilder sb = new StringBuilder();
    if (linesDrawn > 0) {
      sb.append("\033[").append(linesDrawn).append('A');
    }
    for (String l : lines) {
      sb.append("\r\033[2K").append(l).append('\n');
    }
    err.print(sb);
    err.flush();
    linesDrawn = lines.size();
  }

  /** The lines for {@code bars}: short digest, status, a bar while moving, and the sizes. */
  static List<String> render(List<Bar> bars) {
    List<String> out = new ArrayList<>();
    for (Bar b : bars) {
      StringBuilder l = new StringBuilder(b.digest.shortHex()).append(": ");
      l.append(String.format("%-11s", b.status));
      boolean moving = b.done < b.total && !b.status.equals("waiting");
      if (moving) {
        int filled = b.total <= 0 ? 0 : (int) Math.min(BAR_WIDTH, b.done * BAR_WIDTH / b.total);
        l.append(" [")
            .append("=".repeat(Math.max(0, filled - 1)))
            .append(filled > 0 ? ">" : "")
            .append(" ".repeat(BAR_WIDTH - filled))
            .append("] ")
            .append(Bytes.human(b.done))
            .append('/')
            .append(Bytes.human(b.total));
      } else {
        l.append(' ').append(Bytes.human(b.total));
      }
      out.add(l.toString());
    }
    return out;
  }

  @Override
  public synchronized void close() {
    ticker.shutdownNow();
    draw();
  }
}
