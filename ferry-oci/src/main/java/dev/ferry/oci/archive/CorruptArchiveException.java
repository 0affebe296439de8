package dev.ferry.oci.archive;

import java.io.IOException;
import java.util.Optional;

/**
 * An archive could not be imported because of what is in it: truncated, not a tar, an entry name that leaves the
 * archive root, a missing or inconsistent {@code manifest.json} or {@code index.json}. Retrying will not help; a
 * fresh copy of the archive might. Nothing was named in the store.
 */
public final class CorruptArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String archive;
  private final String entry;

  CorruptArchiveException(String archive, String entry, String message, Throwable cause) {
    super(message, cause);
    this.archive = archive;
    this.entry = entry;
  }

  CorruptArchiveException(String archive, String entry, String message) {
    this(archive, entry, message, null);
  }

  /** The archive, as a path or {@code <stream>}. */
  public String archive() {
    return archive;
  }

  /** The entry at fault, when one is. */
  public Optional<String> entry() {
    return Optional.ofNullable(entry);
  }
}
