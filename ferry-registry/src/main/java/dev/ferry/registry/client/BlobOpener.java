package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where a push reads a blob's bytes: a store, a bundle file, anything that can open a blob from its start. The
 * stream should fail at its end when the content does not match the descriptor's digest (as the store's do), so
 * that a damaged source is never committed. May be called again for the same blob when an upload starts over, and
 * from several threads for different blobs.
 */
@FunctionalInterface
public interface BlobOpener {
  /** A stream of {@code blob}'s bytes from the first. */
  InputStream open(Descriptor blob) throws IOException;
}
