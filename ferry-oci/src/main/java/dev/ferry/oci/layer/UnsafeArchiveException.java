package dev.ferry.oci.layer;

import java.io.IOException;

/**
 * A layer entry would write outside the extraction root, or the layer exceeds an extraction limit; extraction
 * stopped at that entry and wrote nothing for it. Immutable.
 */
public final class UnsafeArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String entry;

  public UnsafeArchiveException(String layer, String entry, String reason) {
    super(layer + ": refusing entry '" + entry + "': " + reason
        + "; the layer is malformed or hostile, and the partly extracted root should be discarded");
    this.entry = entry;
  }

  /** The offending entry's name as it appears in the tar. */
  public String entry() {
    return entry;
  }
}
