package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;

/**
 * Hears how a pull or push goes, blob by blob, for progress bars and summary lines. Called from several transfer
 * threads at once: implementations must be thread-safe and quick. Every method has an empty default.
 */
public interface ProgressListener {
  /** A listener that ignores everything. */
  ProgressListener NONE = new ProgressListener() {};

  /** What happened to one blob. */
  enum Outcome {
    /** Moved over the network. */
    TRANSFERRED,
    /** Already at the destination (in the store, or HEAD found it in the registry). */
    EXISTED,
    /** Mounted from another repository of the same registry; no bytes moved. */
    MOUNTED
  }

  /** A blob transfer begins; {@code blob.size()} is the total. */
  default void started(Descriptor blob) {}

  /**
   * {@code bytes} more bytes of {@code blob} moved. After a resume the count continues from where it stopped;
   * after a restart from zero {@link #restarted} comes first.
   */
  default void transferred(Descriptor blob, long bytes) {}

  /** The transfer of {@code blob} starts over from zero (the registry could not resume); forget its progress. */
  default void restarted(Descriptor blob) {}

  /** {@code blob} is done. */
  default void finished(Descriptor blob, Outcome outcome) {}

  /** A line worth showing: a mirror that failed, a retry, where an image came from. */
  default void note(String line) {}
}
