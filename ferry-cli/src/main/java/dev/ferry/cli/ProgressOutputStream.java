package dev.ferry.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Passes bytes through while adding their count to a {@link Progress}. Not thread-safe. */
final class ProgressOutputStream extends FilterOutputStream {
  private final Progress progress;

  ProgressOutputStream(OutputStream out, Progress progress) {
    super(out);
    this.progress = progress;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    progress.add(len);
  }
}
