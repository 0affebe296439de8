package dev.ferry.oci.layer;

import java.util.List;

/**
 * What {@link LayerExtractor#extract} did. Immutable.
 *
 * @param entries tar entries read, whiteouts included
 * @param bytes file content bytes written
 * @param skipped entries not created (devices without root or permission, unknown types)
 * @param warnings one line per skipped entry, the first {@value LayerExtractor#MAX_WARNINGS} kept
 */
public record ExtractionResult(long entries, long bytes, long skipped, List<String> warnings) {
  public ExtractionResult {
    warnings = List.copyOf(warnings);
  }
}
