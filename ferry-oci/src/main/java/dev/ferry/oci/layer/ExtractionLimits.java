package dev.ferry.oci.layer;

/**
 * Bounds on what one {@link LayerExtractor#extract} call writes, across all its layers, to stop decompression
 * and entry-count bombs. Immutable.
 *
 * @param maxTotalBytes uncompressed tar bytes read, content and padding included
 * @param maxEntries tar entries, whiteouts and directories included
 * @param maxFileBytes size of one file
 */
public record ExtractionLimits(long maxTotalBytes, long maxEntries, long maxFileBytes) {
  /** 64 GiB in all, 10 million entries, 64 GiB per file: roomy for model-serving images, finite for bombs. */
  public static final ExtractionLimits DEFAULTS = new ExtractionLimits(64L << 30, 10_000_000L, 64L << 30);

  public ExtractionLimits {
    if (maxTotalBytes <= 0 || maxEntries <= 0 || maxFileBytes <= 0) {
      throw new IllegalArgumentException("extraction limits must be positive, got total bytes " + maxTotalBytes
          + ", entries " + maxEntries + ", file bytes " + maxFileBytes);
    }
  }
}
