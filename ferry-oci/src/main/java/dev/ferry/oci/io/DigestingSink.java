package dev.ferry.oci.io;

import dev.ferry.oci.Digest;

/**
 * An output stream that already hashes (SHA-256) and counts everything written to it, such as a store's blob
 * writer. A writer that must report the digest of what it wrote (a layer writer) asks the sink instead of hashing
 * the same bytes a second time. Implementations say their own thread-safety.
 */
public interface DigestingSink {
  /** The SHA-256 digest of everything written so far; writing may go on afterwards. */
  Digest digestSoFar();

  /** Bytes written so far. */
  long count();
}
