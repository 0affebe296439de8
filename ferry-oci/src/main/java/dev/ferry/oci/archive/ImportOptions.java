package dev.ferry.oci.archive;

import dev.ferry.oci.Reference;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * How to import an archive. Immutable.
 *
 * @param nameOverride the name to give the archive's only image instead of the one it carries; parsed and
 *     normalised as a {@link Reference}; an archive with several images and an override is refused
 * @param progress told the number of archive bytes read so far, every few MiB and once at the end, on the
 *     importing thread
 */
public record ImportOptions(Optional<String> nameOverride, LongConsumer progress) {
  private static final LongConsumer NO_PROGRESS = bytes -> {};

  public ImportOptions {
    Objects.requireNonNull(nameOverride, "nameOverride");
    Objects.requireNonNull(progress, "progress");
    nameOverride = nameOverride.map(n -> Reference.parse(n).toString());
  }

  /** No override, no progress. */
  public static ImportOptions defaults() {
    return new ImportOptions(Optional.empty(), NO_PROGRESS);
  }

  public ImportOptions withNameOverride(String name) {
    return new ImportOptions(Optional.of(name), progress);
  }

  public ImportOptions withProgress(LongConsumer newProgress) {
    return new ImportOptions(nameOverride, newProgress);
  }
}
