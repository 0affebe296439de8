package dev.ferry.oci.layer;

import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType;
import java.util.Objects;

/**
 * What {@link LayerWriter} wrote: the diffID (SHA-256 of the uncompressed tar), the digest and size of the blob
 * and its media type. Immutable.
 */
public record WrittenLayer(Digest diffId, Digest digest, long size, MediaType mediaType) {
  public WrittenLayer {
    Objects.requireNonNull(diffId, "diffId");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(mediaType, "mediaType");
    if (size < 0) {
      throw new IllegalArgumentException("layer size must be >= 0, got " + size + " for " + digest);
    }
  }
}
