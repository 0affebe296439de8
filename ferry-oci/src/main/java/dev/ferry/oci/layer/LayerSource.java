package dev.ferry.oci.layer;

import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.MediaType.Compression;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * A layer blob to extract: its stream, its compression (detected from magic bytes when not given) and the digests
 * it must have. Immutable; the stream itself is read once and not closed by the extractor.
 */
public final class LayerSource {
  private final InputStream stream;
  private final Compression compression;
  private final Digest digest;
  private final Digest diffId;

  private LayerSource(InputStream stream, Compression compression, Digest digest, Digest diffId) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.compression = compression;
    this.digest = digest;
    this.diffId = diffId;
  }

  /** A blob whose compression (gzip, zstd or none) is detected from its first bytes. */
  public static LayerSource of(InputStream stream) {
    return new LayerSource(stream, null, null, null);
  }

  /**
   * A blob of the given layer media type.
   *
   * @throws IllegalArgumentException if {@code mediaType} is not a layer type
   */
  public static LayerSource of(InputStream stream, MediaType mediaType) {
    if (!mediaType.isLayer()) {
      throw new IllegalArgumentException("layer source needs a layer media type, got " + mediaType);
    }
    return new LayerSource(stream, mediaType.compression(), null, null);
  }

  /** This source, verified against the digest of the blob as read (compressed). */
  public LayerSource withDigest(Digest digest) {
    return new LayerSource(stream, compression, Objects.requireNonNull(digest, "digest"), diffId);
  }

  /** This source, verified against the diffID (digest of the uncompressed tar). */
  public LayerSource withDiffId(Digest diffId) {
    return new LayerSource(stream, compression, digest, Objects.requireNonNull(diffId, "diffId"));
  }

  public InputStream stream() {
    return stream;
  }

  /** The declared compression; empty when it is detected. */
  public Optional<Compression> compression() {
    return Optional.ofNullable(compression);
  }

  public Optional<Digest> digest() {
    return Optional.ofNullable(digest);
  }

  public Optional<Digest> diffId() {
    return Optional.ofNullable(diffId);
  }
}
