package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.registry.client.ProgressListener;

/** Shows a registry transfer on stderr: notes as lines, bytes through {@link Progress}. Thread-safe. */
final class TransferProgress implements ProgressListener, AutoCloseable {
  private final BaseCommand command;
  private final Progress progress;

  TransferProgress(BaseCommand command, String label) {
    this.command = command;
    this.progress = command.progress(label);
  }

  @Override
  public void transferred(Descriptor blob, long bytes) {
    progress.add(bytes);
  }

  @Override
  public void note(String line) {
    synchronized (this) {
      command.info(line);
    }
  }

  @Override
  public void close() {
    progress.close();
  }
}
