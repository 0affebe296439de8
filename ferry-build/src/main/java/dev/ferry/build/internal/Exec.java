package dev.ferry.build.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs short helper programs ({@code mount}, {@code umount}, {@code runc delete}). Stateless. */
final class Exec {
  private Exec() {}

  /** Runs {@code argv} to its end; fails with its output unless it exits 0. */
  static void run(List<String> argv) throws IOException {
    int rc;
    String out;
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      rc = p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + argv.get(0), e);
    }
    if (rc != 0) {
      throw new IOException(String.join(" ", argv) + " exited " + rc + ": " + out.strip());
    }
  }

  /** Like {@link #run} but ignores failure: for cleanup that may find nothing to clean. */
  static void quietly(List<String> argv) {
    try {
      run(argv);
    } catch (IOException e) {
      // nothing to clean up, or nothing more we can do
    }
  }
}
