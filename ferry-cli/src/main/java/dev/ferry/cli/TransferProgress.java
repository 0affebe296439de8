package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.registry.client.ProgressListener;

/**
 * Shows a registry transfer on stderr: on a terminal one bar per blob, redrawn in place; otherwise one summary line
 * at the end (through {@link Progress}); notes as lines in both cases. Thread-safe.
 */
final class TransferProgress implements ProgressListener, AutoCloseable {
  private final BaseCommand command;
  private final Progress progress;
  private final BlobBars bars;

  TransferProgress(BaseCommand command, String label) {
    this.command = command;
    this.progress = command.progress(label);
    this.bars = !command.quiet() && Progress.isTerminal() ? new BlobBars(command.err(), label) : null;
  }

  @Override
  public void started(Descriptor blob) {
    if (bars != null) {
      bars.started(blob);
    }
  }

  @Override
  public void transferred(Descriptor blob, long bytes) {
    progress.add(bytes);
    if (bars != null) {
      bars.transferred(blob, bytes);
    }
  }

  @Override
  public void restarted(Descriptor blob) {
    if (bars != null) {
      bars.restarted(blob);
    }
  }

  @Override
  public void finished(Descriptor blob, Outcome outcome) {
    if (bars != null) {
      bars.finished(
          blob,
          switch (outcome) {
            case TRANSFERRED -> "done";
            case EXISTED -> "exists";
            case MOUNTED -> "mounted";
          });
    }
  }

  @Override
  public void note(String line) {
    synchronized (this) {
      command.info(line);
    }
  }

  @Override
  public void close() {
    if (bars != null) {
      bars.close();
    }
    progress.close();
  }
}
